// Every Redis call gets a deadline, so a store that stops answering (partitioned, paused,
// overloaded) surfaces as an error instead of a request that hangs forever.
import { HubUnavailableError } from './hub-unavailable-error.js';
/** Rejects with HubUnavailableError when `promise` has not settled within `timeoutMs`. */
export function withTimeout(promise, timeoutMs, what) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new HubUnavailableError(`Redis did not answer ${what} within ${timeoutMs} ms`)), timeoutMs);
        promise.then((value) => {
            clearTimeout(timer);
            resolve(value);
        }, (error) => {
            clearTimeout(timer);
            reject(error);
        });
    });
}
//# sourceMappingURL=with-timeout.js.map