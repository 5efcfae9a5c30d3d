import { type ByteString, findCommandFacts } from '@meridian/engine';
import { parseRestRequest, percentDecode } from '@meridian/rest';

/**
 * What the router must know of a request before forwarding it. `write` requests go to the primary;
 * `read` ones may be served by a replica; `local` ones are answered by the router itself.
 */
export type RequestClass =
  | { readonly kind: 'read' }
  | { readonly kind: 'write' }
  /** Server-sent events (`/subscribe`, `/psubscribe`, `/monitor`): proxied as a stream from the nearest region. */
  | { readonly kind: 'stream' }
  | { readonly kind: 'local'; readonly endpoint: string }
  | { readonly kind: 'preflight' };

/**
 * Whether one command (argv[0] is its name) must run on the primary: the command table's
 * `needsPrimary` (writes, writing scripts, PUBLISH — the primary fans messages out like a write).
 */
export function isWriteCommand(name: ByteString | undefined): boolean {
  if (name === undefined) return false;
  return findCommandFacts(name)?.needsPrimary ?? false;
}

/** The classes without data, made once: a request is classified per call and a class is never changed. */
const READ: RequestClass = Object.freeze({ kind: 'read' });
const WRITE: RequestClass = Object.freeze({ kind: 'write' });
const STREAM: RequestClass = Object.freeze({ kind: 'stream' });
const PREFLIGHT: RequestClass = Object.freeze({ kind: 'preflight' });

/**
 * A request target's first path segment and what follows its slash (undefined when it is the only
 * one), the query left out: the router reads no further, so the rest of the path is not split (it
 * is cut for every request).
 */
function firstSegment(url: string): { first: string; rest: string | undefined } | undefined {
  const mark = url.indexOf('?');
  const end = mark < 0 ? url.length : mark;
  if (end <= 1) return undefined;
  const slash = url.indexOf('/', 1);
  if (slash < 0 || slash >= end) return { first: url.slice(1, end), rest: undefined };
  return { first: url.slice(1, slash), rest: url.slice(slash + 1, end) };
}

/**
 * Classifies from the request line alone, or answers `needsBody` when only the body can tell
 * (the JSON command form on `/` and `/pipeline`). The path form's command name is its first segment.
 * Called for every routed request: it cuts out the first segment only, and returns shared classes.
 */
export function classifyRequestLine(method: string, url: string): RequestClass | 'needsBody' {
  if (method === 'OPTIONS') return PREFLIGHT;
  const mark = url.indexOf('?');
  const end = mark < 0 ? url.length : mark;
  if (end <= 1) return 'needsBody';
  let slash = url.indexOf('/', 1);
  if (slash >= end) slash = -1;
  const first = url.slice(1, slash < 0 ? end : slash);
  if (first === '') return 'needsBody';
  if (first === '_meridian') return { kind: 'local', endpoint: slash < 0 ? '' : url.slice(slash + 1, end) };
  const name = percentDecode(first).toLowerCase();
  if (slash < 0 && name === 'pipeline') return 'needsBody';
  if (slash < 0 && name === 'multi-exec') return WRITE;
  if (name === 'subscribe' || name === 'psubscribe' || name === 'monitor') return STREAM;
  return isWriteCommand(name) ? WRITE : READ;
}

const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
/** Bytes of a command name read without JSON.parse: letters, digits, `_`, `-`, `.`, `|`. */
const isNameByte = (byte: number): boolean =>
  (byte >= 0x61 && byte <= 0x7a) ||
  (byte >= 0x41 && byte <= 0x5a) ||
  (byte >= 0x30 && byte <= 0x39) ||
  byte === 0x5f ||
  byte === 0x2d ||
  byte === 0x2e ||
  byte === 0x7c;

/**
 * The command name of a single-command body (`["GET", …]`) read straight from its bytes, or
 * undefined when it is not that plain (escapes, other characters, not a string first): then the
 * body is parsed whole. What follows the name is not checked; a node answers a malformed rest with
 * the same error wherever the request goes.
 */
export function leadingCommandName(body: Uint8Array): string | undefined {
  let at = 0;
  while (isSpace(body[at])) at++;
  if (body[at++] !== 0x5b) return undefined;
  while (isSpace(body[at])) at++;
  if (body[at++] !== 0x22) return undefined;
  const start = at;
  while (at < body.length && isNameByte(body[at] as number)) at++;
  if (body[at] !== 0x22 || at === start || at - start > 64) return undefined;
  const end = at++;
  while (isSpace(body[at])) at++;
  if (body[at] !== 0x2c && body[at] !== 0x5d) return undefined;
  return String.fromCharCode(...body.subarray(start, end));
}

/**
 * Whether the target is `/pipeline`: many commands, which a node runs in slices with other
 * requests answered between them, so nothing should wait behind one on a connection.
 */
export function isPipelineTarget(url: string): boolean {
  const segment = firstSegment(url);
  return segment?.rest === undefined && percentDecode(segment?.first ?? '').toLowerCase() === 'pipeline';
}

/** Whether the target is the root (`/`, `/?…`): the single-command JSON form. */
function isRoot(url: string): boolean {
  return url === '/' || url.startsWith('/?');
}

/**
 * Classifies a request whose body is known. Malformed requests count as reads: the nearest node
 * answers them with the protocol's own error, exactly as if the client had asked it directly.
 */
export function classifyRequest(method: string, url: string, body: Buffer): RequestClass {
  const fromLine = classifyRequestLine(method, url);
  if (fromLine !== 'needsBody') return fromLine;
  if (isRoot(url)) {
    const name = leadingCommandName(body);
    if (name !== undefined) return isWriteCommand(name) ? WRITE : READ;
  }
  const parsed = parseRestRequest({ method, url, headers: {}, body }, { auth: undefined, requestBytesMax: Infinity });
  switch (parsed.kind) {
    case 'command':
      return isWriteCommand(parsed.argv[0]) ? WRITE : READ;
    case 'pipeline':
      return parsed.commands.some((argv) => isWriteCommand(argv[0])) ? WRITE : READ;
    case 'transaction':
      return WRITE;
    default:
      return READ;
  }
}
