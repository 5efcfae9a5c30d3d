import { type ByteString, Engine } from '@meridian/engine';
import type { Access } from './auth.js';

const TRANSACTION_CONTROL = new Set(['watch', 'unwatch', 'multi', 'exec', 'discard']);
const SUBSCRIPTION = new Set(['subscribe', 'psubscribe', 'ssubscribe']);
const UNSUBSCRIPTION = new Set(['unsubscribe', 'punsubscribe', 'sunsubscribe']);
/** Scripting is refused to the read-only token even in its _RO forms: a script's effects are opaque. */
const SCRIPTING = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro', 'script', 'function']);
/** Commands that block only with a BLOCK option; the flag alone would refuse their plain form too. */
const BLOCK_OPTION = new Set(['xread', 'xreadgroup']);

function hasBlockOption(name: string, argv: readonly ByteString[]): boolean {
  const optionsStart = name === 'xreadgroup' ? 4 : 1;
  for (let i = optionsStart; i < argv.length; i++) {
    const arg = argv[i] as ByteString;
    if (arg.length === 5 && arg.toLowerCase() === 'block') return true;
    if (arg.length === 7 && arg.toLowerCase() === 'streams') return false;
  }
  return false;
}

function unsupportedOverRest(name: string, argv: readonly ByteString[], blocking: boolean): string | undefined {
  if (TRANSACTION_CONTROL.has(name)) {
    return `ERR '${name}' is not supported over REST: send the commands to /multi-exec instead`;
  }
  if (SUBSCRIPTION.has(name)) {
    return `ERR '${name}' is not supported as a command over REST: use POST /${name === 'ssubscribe' ? 'subscribe' : name}/<channel> with Accept: text/event-stream`;
  }
  if (UNSUBSCRIPTION.has(name)) {
    return `ERR '${name}' is not supported over REST: close the event stream to unsubscribe`;
  }
  if (name === 'monitor') return "ERR 'monitor' is not supported as a command over REST: use POST /monitor";
  const blocks = BLOCK_OPTION.has(name) ? hasBlockOption(name, argv) : blocking;
  if (blocks) return `ERR blocking command '${name}' is not supported over REST`;
  return undefined;
}

/**
 * Why this command may not run over REST with this access, or undefined when it may.
 * Unknown commands pass: the engine answers them with Redis's own error.
 */
export function commandRefusal(argv: readonly ByteString[], access: Access): string | undefined {
  const first = argv[0];
  if (first === undefined) return undefined;
  const info = Engine.findCommand(first);
  const name = info?.name ?? first.toLowerCase();
  const unsupported = unsupportedOverRest(name, argv, info?.isBlocking ?? false);
  if (unsupported !== undefined || access === 'standard') return unsupported;
  if (info === undefined && !SCRIPTING.has(name)) return undefined;
  const allowed =
    info !== undefined &&
    !SCRIPTING.has(name) &&
    !info.isWrite &&
    !info.isDangerous &&
    !info.flags.includes('standardtoken') &&
    (info.isReadonly || !info.flags.includes('admin'));
  return allowed ? undefined : `NOPERM this user has no permissions to run the '${name}' command`;
}
