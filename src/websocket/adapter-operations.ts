// The socket adapter's operations: for the faces built on it, the server and client
// that start it, and the socket's own listeners. Keyed by symbols, and left out of the
// published types (`@internal`), so they are no part of a connection's public API.
export const attach = Symbol('switchboard.attach');
export const enqueue = Symbol('switchboard.enqueue');
export const enqueueFrame = Symbol('switchboard.enqueueFrame');
export const pauseReading = Symbol('switchboard.pauseReading');
export const resumeReading = Symbol('switchboard.resumeReading');
export const startClose = Symbol('switchboard.startClose');
export const terminateSocket = Symbol('switchboard.terminateSocket');
export const receive = Symbol('switchboard.receive');
export const flushOutgoing = Symbol('switchboard.flushOutgoing');
export const socketEnded = Symbol('switchboard.socketEnded');
export const socketClosed = Symbol('switchboard.socketClosed');
export const socketFailed = Symbol('switchboard.socketFailed');
export const socketDrained = Symbol('switchboard.socketDrained');

// What the reading side (socket-reading.ts) shares with the adapter.
export const settingsOf = Symbol('switchboard.settings');
export const socketOf = Symbol('switchboard.socket');
export const flagsOf = Symbol('switchboard.flags');
export const unsentPongs = Symbol('switchboard.unsentPongs');
export const turnUsage = Symbol('switchboard.turnUsage');
export const endpointOf = Symbol('switchboard.endpoint');
export const afterEndpoint = Symbol('switchboard.afterEndpoint');
export const failLocally = Symbol('switchboard.failLocally');
export const compressionOf = Symbol('switchboard.compression');

// Flags of a connection, in one small integer rather than a field each.
export const READING = 1; // inside a read: its end flushes everything at once
export const FLUSH_SCHEDULED = 2;
export const NEED_DRAIN = 4; // a sender was told 'queued' and waits for 'drain'
export const PAUSED = 8;
export const DEFERRED = 16; // bytes of this peer wait for a later turn (read-turns.ts)
export const INFLATING = 32; // a compressed message is being inflated: nothing more is read meanwhile
