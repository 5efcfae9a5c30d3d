import type { ByteString } from '../../bytes.js';
import { type CommandSpec, defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { type Reply, ReplyError } from '../../reply.js';
import { sha1Hex } from '../../scripting.js';
import { runnerOf, scriptKeyPositions, splitKeysAndArgs } from './script-args.js';

const ERR_NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
/**
 * Scripts EVAL adds to the cache at most (SCRIPT LOAD is not bounded, as in Redis): past it EVAL still
 * runs a new script but does not remember it, so clients that build a new script per call cannot grow
 * the cache and the log without limit; EVALSHA of it then answers NOSCRIPT and clients fall back to EVAL.
 */
export const EVAL_SCRIPTS_CACHED_MAX = 10_000;

/** Makes a script known: on the primary the body travels in the log as SCRIPT LOAD, so every region knows it. */
export function rememberScript(ctx: ExecContext, sha: string, body: ByteString): void {
  const scripts = ctx.engine.scripts.scripts;
  if (scripts.has(sha) || scripts.size >= EVAL_SCRIPTS_CACHED_MAX) return;
  scripts.set(sha, body);
  if (ctx.role === 'primary') ctx.propagate(['SCRIPT', 'LOAD', body]);
}

function runScript(
  ctx: ExecContext,
  sha: string,
  body: ByteString,
  argv: readonly ByteString[],
  readonly: boolean,
): Reply {
  const { keys, args } = splitKeysAndArgs(argv);
  const runner = runnerOf(ctx);
  const reply = runner.evalScript({
    sha,
    body,
    keys,
    args,
    readonlyCommand: readonly,
    host: (readonlyRun) => ctx.engine.scriptHost(readonlyRun),
  });
  const compileFailed = reply instanceof ReplyError && reply.message.startsWith('ERR Error compiling script');
  if (!compileFailed) rememberScript(ctx, sha, body);
  return reply;
}

function evalCommand(name: string, readonly: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: readonly ? ['readonly', 'script', 'noscript'] : ['write', 'script', 'noscript'],
    keys: scriptKeyPositions,
    handler: (ctx, argv) => {
      const body = argv[1] as ByteString;
      return runScript(ctx, sha1Hex(body), body, argv, readonly);
    },
  });
}

function evalshaCommand(name: string, readonly: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: readonly ? ['readonly', 'script', 'noscript'] : ['write', 'script', 'noscript'],
    keys: scriptKeyPositions,
    handler: (ctx, argv) => {
      const sha = (argv[1] as ByteString).toLowerCase();
      const body = sha.length === 40 ? ctx.engine.scripts.scripts.get(sha) : undefined;
      if (body === undefined) return new ReplyError(ERR_NOSCRIPT);
      return runScript(ctx, sha, body, argv, readonly);
    },
  });
}

/** EVAL script numkeys key… arg…: runs a Lua script; its writes replicate as the commands it ran. */
export const evalScript = evalCommand('eval', false);
/** EVAL_RO: EVAL whose script may not write (may run on a replica). */
export const evalReadonly = evalCommand('eval_ro', true);
/** EVALSHA sha1 numkeys key… arg…: runs a script known by its SHA-1 (SCRIPT LOAD or an earlier EVAL). */
export const evalsha = evalshaCommand('evalsha', false);
/** EVALSHA_RO: EVALSHA whose script may not write. */
export const evalshaReadonly = evalshaCommand('evalsha_ro', true);
