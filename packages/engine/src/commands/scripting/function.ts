import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { globMatch } from '../../glob.js';
import { CommandError, OK, type Reply, SimpleString } from '../../reply.js';
import type { LibraryInfo } from '../../scripting.js';
import { helpReply, runSubcommand, type Subcommand } from '../server/subcommands.js';
import { checkFlushMode } from './script.js';

const HELP_LINES = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'KILL',
  '    Kill the current running function.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
];

/** Our FUNCTION DUMP payload (Redis's is RDB-encoded; ours is opaque too, and only RESTORE reads it). */
const DUMP_MAGIC = 'MERIDIAN-FUNCTIONS-1\n';

/** The library name in `#!lua name=<name>`, as Redis 7.0 parses it; Redis's error otherwise. */
export function libraryName(code: ByteString): string {
  if (!code.startsWith('#!')) throw new CommandError('ERR Missing library metadata');
  const end = code.indexOf('\n');
  const parts = code
    .slice(2, end < 0 ? code.length : end)
    .split(' ')
    .filter((part) => part !== '');
  const engine = parts[0] ?? '';
  if (engine.toLowerCase() !== 'lua') throw new CommandError(`ERR Engine '${engine}' not found`);
  let name: string | undefined;
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new CommandError(`ERR Invalid metadata value given: ${part}`);
    const field = part.slice(0, eq);
    if (field !== 'name') throw new CommandError(`ERR Invalid metadata value, name argument was not given`);
    if (name !== undefined)
      throw new CommandError('ERR Invalid metadata value, name argument was given multiple times');
    name = part.slice(eq + 1);
  }
  if (name === undefined) throw new CommandError('ERR Library name was not given');
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new CommandError(
      'ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long',
    );
  return name;
}

/** Parses a library with the runner (or, while applying the log without one, records only its name). */
function parseLibrary(ctx: ExecContext, code: ByteString): LibraryInfo {
  const name = libraryName(code);
  const runner = ctx.engine.scriptRunner;
  if (runner === undefined) {
    if (ctx.applying) return { name, code, functions: [] };
    throw new CommandError('ERR scripting is not available on this node (no script runner)');
  }
  const parsed = runner.parseLibrary(code);
  if (typeof parsed === 'string') throw new CommandError(parsed);
  return parsed;
}

/** Adds `library`, replacing one of the same name when `replace`; Redis's collision errors otherwise. */
function installLibrary(ctx: ExecContext, library: LibraryInfo, replace: boolean): void {
  const store = ctx.engine.scripts;
  if (store.libraries.has(library.name) && !replace) {
    throw new CommandError(`ERR Library '${library.name}' already exists`);
  }
  for (const fn of library.functions) {
    const owner = store.functions.get(fn.name);
    if (owner !== undefined && owner !== library.name) throw new CommandError(`ERR Function ${fn.name} already exists`);
  }
  store.deleteLibrary(library.name);
  store.addLibrary(library);
  ctx.engine.scriptRunner?.forget();
}

function load(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  let replace = false;
  let at = 2;
  for (; at < argv.length - 1; at++) {
    if ((argv[at] as ByteString).toLowerCase() !== 'replace')
      throw new CommandError(`ERR Unknown option given: ${argv[at] as ByteString}`);
    replace = true;
  }
  if (at !== argv.length - 1) throw new CommandError('ERR Function code is missing');
  const library = parseLibrary(ctx, argv[at] as ByteString);
  installLibrary(ctx, library, replace);
  ctx.propagateAsIs();
  return library.name;
}

function listLibraries(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  let pattern: ByteString | undefined;
  let withCode = false;
  for (let i = 2; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    if (option === 'withcode' && !withCode) withCode = true;
    else if (option === 'libraryname' && pattern === undefined && i + 1 < argv.length)
      pattern = argv[++i] as ByteString;
    else throw new CommandError(`ERR Unknown argument ${argv[i] as ByteString}`);
  }
  const out: Reply[] = [];
  for (const library of ctx.engine.scripts.libraries.values()) {
    if (pattern !== undefined && !globMatch(pattern, library.name)) continue;
    const sorted = [...library.functions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const functions = sorted.map((fn): Reply => [
      'name',
      fn.name,
      'description',
      fn.description,
      'flags',
      fn.flags.map((flag) => new SimpleString(flag)),
    ]);
    const entry: Reply[] = ['library_name', library.name, 'engine', 'LUA', 'functions', functions];
    if (withCode) entry.push('library_code', library.code);
    out.push(entry);
  }
  return out;
}

function restore(ctx: ExecContext, argv: readonly ByteString[]): Reply {
  const payload = argv[2] as ByteString;
  const policy = argv[3]?.toLowerCase() ?? 'append';
  if (argv.length > 4 || !['append', 'replace', 'flush'].includes(policy)) {
    throw new CommandError('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  let codes: unknown;
  try {
    codes = payload.startsWith(DUMP_MAGIC) ? JSON.parse(payload.slice(DUMP_MAGIC.length)) : undefined;
  } catch {
    codes = undefined;
  }
  if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string')) {
    throw new CommandError('ERR DUMP payload version or checksum are wrong');
  }
  const libraries = (codes as string[]).map((code) => parseLibrary(ctx, code));
  const store = ctx.engine.scripts;
  if (policy === 'append') {
    for (const library of libraries) {
      if (store.libraries.has(library.name)) throw new CommandError(`ERR Library ${library.name} already exists`);
    }
  }
  const saved = [...store.libraries.values()];
  if (policy === 'flush') store.flushFunctions();
  try {
    for (const library of libraries) installLibrary(ctx, library, true);
  } catch (error) {
    store.flushFunctions();
    for (const library of saved) store.addLibrary(library);
    throw error;
  }
  ctx.propagateAsIs();
  return OK;
}

const subcommands = new Map<string, Subcommand>([
  ['load', { arity: -3, handler: load }],
  [
    'delete',
    {
      arity: 3,
      handler: (ctx, argv) => {
        if (!ctx.engine.scripts.deleteLibrary(argv[2] as ByteString)) throw new CommandError('ERR Library not found');
        ctx.engine.scriptRunner?.forget();
        ctx.propagateAsIs();
        return OK;
      },
    },
  ],
  ['list', { arity: -2, handler: listLibraries }],
  [
    'flush',
    {
      arity: -2,
      handler: (ctx, argv) => {
        checkFlushMode(argv, 2, 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        ctx.engine.scripts.flushFunctions();
        ctx.engine.scriptRunner?.forget();
        ctx.propagate(['FUNCTION', 'FLUSH']);
        return OK;
      },
    },
  ],
  [
    'stats',
    {
      arity: 2,
      handler: (ctx) => {
        const store = ctx.engine.scripts;
        return [
          'running_script',
          null,
          'engines',
          ['LUA', ['libraries_count', store.libraries.size, 'functions_count', store.functions.size]],
        ];
      },
    },
  ],
  [
    'dump',
    {
      arity: 2,
      handler: (ctx) => DUMP_MAGIC + JSON.stringify([...ctx.engine.scripts.libraries.values()].map((l) => l.code)),
    },
  ],
  ['restore', { arity: -3, handler: restore }],
  [
    'kill',
    {
      arity: 2,
      handler: () => {
        throw new CommandError('NOTBUSY No scripts in execution right now.');
      },
    },
  ],
  ['help', { arity: 2, handler: () => helpReply('FUNCTION', HELP_LINES) }],
]);

/** FUNCTION LOAD|LIST|DELETE|FLUSH|STATS|DUMP|RESTORE|KILL|HELP. Changes travel in the write log. */
export const functionCommand = defineCommand({
  name: 'function',
  arity: -2,
  flags: ['write', 'script', 'noscript'],
  handler: (ctx, argv) => runSubcommand('function', subcommands, ctx, argv),
});
