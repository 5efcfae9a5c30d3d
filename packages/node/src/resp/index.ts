export { RespServer, ERR_MAX_CLIENTS } from './server.js';
export { RESP_SERVER_LIMITS_DEFAULT } from './services.js';
export type { RespServerLimits, RespServices } from './services.js';
export { KeyspaceChanges, WatchRegistry } from './changes.js';
export { BlockedClients } from './blocking.js';
