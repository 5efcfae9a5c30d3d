export { LuaScriptRunner } from './runner.js';
export type { ScriptRunnerOptions } from './runner.js';
export { formatG17 } from './bytes.js';
