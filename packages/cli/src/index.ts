export { buildProgram, main } from './main.js';
export { startNode, registerNodeCommand, linkSpecs, NODE_PORT_DEFAULT } from './commands/node.js';
export type { NodeCommandOptions } from './commands/node.js';
export { experimentHooks, registerExperimentCommands, freeLoopbackPorts } from './commands/experiment.js';
export { calibrate } from './calibrate/measure.js';
export type { CalibrateOptions } from './calibrate/measure.js';
export { calibrationLines, registerCalibrateCommand } from './commands/calibrate.js';
