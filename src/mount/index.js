export { createSwitchboard } from './switchboard.js';
export { mountSwitchboard } from './mount-server.js';
export { SWITCHBOARD_DEFAULTS } from './options.js';
//# sourceMappingURL=index.js.map