import { asError } from '../protocol/errors.js';
export function nodeRedisCommander(client) {
    return { sendCommand: (args) => client.sendCommand([...args]) };
}
export function nodeRedisSubscriber(client) {
    // node-redis tracks listeners per channel itself, so each hub listener maps to one wrapper.
    const wrappers = new Map();
    const wrapperFor = (listener) => {
        let wrapper = wrappers.get(listener);
        if (wrapper === undefined) {
            wrapper = (message) => listener(message);
            wrappers.set(listener, wrapper);
        }
        return wrapper;
    };
    return {
        subscribe: async (channel, listener) => {
            await client.subscribe(channel, wrapperFor(listener));
        },
        unsubscribe: async (channel, listener) => {
            const wrapper = wrappers.get(listener);
            if (wrapper === undefined)
                return;
            wrappers.delete(listener);
            await client.unsubscribe(channel, wrapper);
        },
        onConnectionLost: (listener) => {
            // node-redis emits 'error' when the socket fails (then reconnects and resubscribes on
            // its own) and 'end' when it is closed for good.
            const onError = (error) => listener(asError(error));
            const onEnd = () => listener(new Error('Redis subscriber connection ended'));
            client.on('error', onError);
            client.on('end', onEnd);
            return () => {
                client.off('error', onError);
                client.off('end', onEnd);
            };
        },
    };
}
export function ioredisCommander(client) {
    return { sendCommand: ([command, ...args]) => client.call(command, ...args) };
}
export function ioredisSubscriber(client) {
    // ioredis has one 'message' event for all channels: dispatch here, and SUBSCRIBE or
    // UNSUBSCRIBE only when a channel gains its first or loses its last listener.
    const channels = new Map();
    client.on('message', (channel, message) => {
        for (const listener of channels.get(channel)?.listeners ?? [])
            listener(message);
    });
    return {
        subscribe: async (channel, listener) => {
            let entry = channels.get(channel);
            if (entry === undefined) {
                entry = { listeners: new Set(), subscribed: client.subscribe(channel) };
                channels.set(channel, entry);
            }
            entry.listeners.add(listener);
            try {
                await entry.subscribed;
            }
            catch (error) {
                entry.listeners.delete(listener);
                if (channels.get(channel) === entry && entry.listeners.size === 0)
                    channels.delete(channel);
                throw error;
            }
        },
        unsubscribe: async (channel, listener) => {
            const entry = channels.get(channel);
            if (entry === undefined || !entry.listeners.delete(listener) || entry.listeners.size > 0)
                return;
            channels.delete(channel);
            await client.unsubscribe(channel);
        },
        onConnectionLost: (listener) => {
            const onClose = () => listener(new Error('Redis subscriber connection closed'));
            client.on('close', onClose);
            client.on('end', onClose);
            return () => {
                client.off('close', onClose);
                client.off('end', onClose);
            };
        },
    };
}
//# sourceMappingURL=redis-adapters.js.map