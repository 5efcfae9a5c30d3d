import { isAscii } from 'node:buffer';
import type { ByteString } from '@meridian/engine';
import { textToBytes } from './text.js';

/** A request-level failure: the request is answered with `status` and `{"error": message}`. */
export class RestFailure {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {}
}

/**
 * A parsed JSON body. `asciiOnly`: the body is ASCII without `\u` escapes, so every string in
 * `value` is ASCII and already its own bytes (no UTF-8 conversion needed).
 */
export interface JsonBody {
  readonly value: unknown;
  readonly asciiOnly: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function whereOf(what: string | undefined, commandIndex: number): string {
  return what === undefined ? '' : ` (${what} command ${commandIndex})`;
}

/**
 * One command from its JSON form: a non-empty array of strings, numbers and booleans. The array
 * is converted in place and returned (it came from JSON.parse, nobody else holds it): no copy.
 */
export function toArgv(
  value: unknown,
  asciiOnly: boolean,
  what?: 'pipeline' | 'transaction',
  commandIndex = 0,
  latin1 = false,
): ByteString[] | RestFailure {
  if (!Array.isArray(value)) {
    return new RestFailure(
      400,
      `ERR a command must be a JSON array of arguments, like ["SET","key","value"]${whereOf(what, commandIndex)}`,
    );
  }
  if (value.length === 0) return new RestFailure(400, `ERR empty command${whereOf(what, commandIndex)}`);
  const argv = value as unknown[];
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (typeof argument === 'string') {
      if (latin1) {
        // `x-meridian-argument-encoding: latin1`: each character is one byte (binary-safe forwarding).
        if (!asciiOnly && !LATIN1_ONLY.test(argument)) {
          return new RestFailure(
            400,
            `ERR argument ${i}${whereOf(what, commandIndex)} has a character above U+00FF, which latin1 argument encoding cannot carry`,
          );
        }
      } else if (!asciiOnly) argv[i] = textToBytes(argument);
    } else if (typeof argument === 'number') {
      argv[i] = String(argument);
    } else if (typeof argument === 'boolean') {
      argv[i] = argument ? 'true' : 'false';
    } else {
      return new RestFailure(
        400,
        `ERR invalid argument at index ${i}${whereOf(what, commandIndex)}: arguments must be strings, numbers or booleans, got ${describe(argument)}`,
      );
    }
  }
  return argv as ByteString[];
}

const BACKSLASH_U = Buffer.from('\\u', 'latin1');
const LATIN1_ONLY = /^[\u0000-\u00ff]*$/;

/**
 * The Meridian request header that makes every JSON string argument a byte string, one byte per
 * character (U+0000–U+00FF): how a replica forwards a RESP client's binary arguments unchanged.
 */
export const ARGUMENT_ENCODING_HEADER = 'x-meridian-argument-encoding';
/** Below this size a JS loop checks a body faster than two native calls. */
const SMALL_BODY_BYTES_MAX = 256;

/** ASCII with no `\u` escape: its JSON strings are all ASCII. */
function isPlainAscii(body: Buffer): boolean {
  if (body.length > SMALL_BODY_BYTES_MAX) return isAscii(body) && body.indexOf(BACKSLASH_U) < 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte > 0x7f || (byte === 0x5c && body[i + 1] === 0x75)) return false;
  }
  return true;
}

export function parseJsonBody(body: Buffer): JsonBody | RestFailure {
  if (body.length === 0) return new RestFailure(400, 'ERR empty request body: expected a JSON array');
  const asciiOnly = isPlainAscii(body);
  try {
    const text = asciiOnly ? body.toString('latin1') : body.toString('utf8');
    return { value: JSON.parse(text) as unknown, asciiOnly };
  } catch {
    return new RestFailure(400, 'ERR request body is not valid JSON');
  }
}

/** The body of `/pipeline` or `/multi-exec`: a non-empty JSON array of commands. */
export function toCommandList(
  body: Buffer,
  what: 'pipeline' | 'transaction',
  latin1 = false,
): ByteString[][] | RestFailure {
  const parsed = parseJsonBody(body);
  if (parsed instanceof RestFailure) return parsed;
  const { value, asciiOnly } = parsed;
  if (!Array.isArray(value)) {
    return new RestFailure(
      400,
      `ERR ${what} body must be a JSON array of commands, like [["SET","a","1"],["GET","a"]]`,
    );
  }
  if (value.length === 0) return new RestFailure(400, `ERR empty ${what}`);
  const commands = value as unknown[];
  for (let i = 0; i < commands.length; i++) {
    const argv = toArgv(commands[i], asciiOnly, what, i, latin1);
    if (argv instanceof RestFailure) return argv;
  }
  return commands as ByteString[][];
}
