// The smallest slice of a Redis client the Redis hub needs. The package has no runtime
// dependencies, so the hub takes the application's own client through these interfaces;
// redis-adapters.ts wraps node-redis and ioredis into them.
export {};
//# sourceMappingURL=redis-client.js.map