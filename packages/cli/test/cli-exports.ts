export { lagRequestBody, parseJitter } from '../src/commands/lag.js';
export { startRouterFromConfig } from '../src/commands/router.js';
export { loadTopology as loadTopologyForTest } from '../src/commands/topology-shared.js';
export { SupervisedProcess } from '../src/commands/supervisor.js';
export { resolveSecrets, secretsPath } from '../src/commands/topology-shared.js';
export { formatLagReports } from '../src/commands/lag.js';
