import type { ByteString } from '@meridian/engine';
import { textToBytes } from './text.js';

/** A request-level failure: the request is answered with `status` and `{"error": message}`. */
export class RestFailure {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {}
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function toArgument(value: unknown, index: number, where: string): ByteString | RestFailure {
  if (typeof value === 'string') return textToBytes(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return new RestFailure(
    400,
    `ERR invalid argument at index ${index}${where}: arguments must be strings, numbers or booleans, got ${describe(value)}`,
  );
}

/** One command from its JSON form: a non-empty array of strings, numbers and booleans. */
export function toArgv(value: unknown, where: string): ByteString[] | RestFailure {
  if (!Array.isArray(value)) {
    return new RestFailure(400, `ERR a command must be a JSON array of arguments, like ["SET","key","value"]${where}`);
  }
  if (value.length === 0) return new RestFailure(400, `ERR empty command${where}`);
  const argv: ByteString[] = new Array<ByteString>(value.length);
  for (let i = 0; i < value.length; i++) {
    const argument = toArgument(value[i], i, where);
    if (argument instanceof RestFailure) return argument;
    argv[i] = argument;
  }
  return argv;
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return new RestFailure(400, 'ERR empty request body: expected a JSON array');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return new RestFailure(400, 'ERR request body is not valid JSON');
  }
}

/** The body of `/pipeline` or `/multi-exec`: a non-empty JSON array of commands. */
export function toCommandList(body: Buffer, what: 'pipeline' | 'transaction'): ByteString[][] | RestFailure {
  const value = parseJsonBody(body);
  if (value instanceof RestFailure) return value;
  if (!Array.isArray(value)) {
    return new RestFailure(
      400,
      `ERR ${what} body must be a JSON array of commands, like [["SET","a","1"],["GET","a"]]`,
    );
  }
  if (value.length === 0) return new RestFailure(400, `ERR empty ${what}`);
  const commands: ByteString[][] = new Array<ByteString[]>(value.length);
  for (let i = 0; i < value.length; i++) {
    const argv = toArgv(value[i], ` (${what} command ${i})`);
    if (argv instanceof RestFailure) return argv;
    commands[i] = argv;
  }
  return commands;
}
