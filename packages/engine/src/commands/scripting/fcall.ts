import type { ByteString } from '../../bytes.js';
import { type CommandSpec, defineCommand } from '../../command.js';
import { CommandError } from '../../reply.js';
import { runnerOf, scriptKeyPositions, splitKeysAndArgs } from './script-args.js';

function fcallCommand(name: string, readonly: boolean): CommandSpec {
  return defineCommand({
    name,
    arity: -3,
    flags: readonly ? ['readonly', 'script', 'noscript'] : ['write', 'script', 'noscript'],
    keys: scriptKeyPositions,
    handler: (ctx, argv) => {
      const functionName = argv[1] as ByteString;
      const store = ctx.engine.scripts;
      const libraryName = store.functions.get(functionName);
      const library = libraryName === undefined ? undefined : store.libraries.get(libraryName);
      const fn = library?.functions.find((candidate) => candidate.name === functionName);
      if (library === undefined || fn === undefined) throw new CommandError('ERR Function not found');
      const { keys, args } = splitKeysAndArgs(argv, 'ERR Bad number of keys provided');
      if (readonly && !fn.flags.includes('no-writes')) {
        throw new CommandError('ERR Can not execute a script with write flag using *_ro command.');
      }
      return runnerOf(ctx).callFunction({
        library,
        functionName,
        keys,
        args,
        readonlyCommand: readonly,
        host: (readonlyRun) => ctx.engine.scriptHost(readonlyRun),
      });
    },
  });
}

/** FCALL function numkeys key… arg…: runs a function of a FUNCTION LOAD library. */
export const fcall = fcallCommand('fcall', false);
/** FCALL_RO: FCALL of a `no-writes` function (may run on a replica). */
export const fcallReadonly = fcallCommand('fcall_ro', true);
