export { createSwitchboard, type Switchboard, type SwitchboardResponse } from './switchboard.js';
export { mountSwitchboard, type MountableServer } from './mount-server.js';
export { SWITCHBOARD_DEFAULTS, type SwitchboardOptions, type SwitchboardRequest } from './options.js';
export type { SwitchboardPresenceOptions, SwitchboardTransport } from './mount-presence.js';
