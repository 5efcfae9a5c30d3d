export { lagRequestBody, parseJitter } from '../src/commands/lag.js';
export { startRouterFromConfig } from '../src/commands/router.js';
export { loadTopology as loadTopologyForTest } from '../src/commands/topology-shared.js';
