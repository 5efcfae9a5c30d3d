import type { CommandSpec } from '../../command.js';
import { evalReadonly, evalScript, evalsha, evalshaReadonly } from './eval.js';
import { fcall, fcallReadonly } from './fcall.js';
import { functionCommand } from './function.js';
import { script } from './script.js';

export const scriptingCommands: readonly CommandSpec[] = [
  evalScript,
  evalReadonly,
  evalsha,
  evalshaReadonly,
  script,
  functionCommand,
  fcall,
  fcallReadonly,
];
