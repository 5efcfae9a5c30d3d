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
 */
export function classifyRequestLine(method: string, url: string): RequestClass | 'needsBody' {
  if (method === 'OPTIONS') return { kind: 'preflight' };
  const segment = firstSegment(url);
  if (segment === undefined || segment.first === '') return 'needsBody';
  const { first, rest } = segment;
  if (first === '_meridian') return { kind: 'local', endpoint: rest ?? '' };
  const name = percentDecode(first).toLowerCase();
  if (rest === undefined && name === 'pipeline') return 'needsBody';
  if (rest === undefined && name === 'multi-exec') return { kind: 'write' };
  if (name === 'subscribe' || name === 'psubscribe' || name === 'monitor') return { kind: 'stream' };
  return isWriteCommand(name) ? { kind: 'write' } : { kind: 'read' };
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
    if (name !== undefined) return isWriteCommand(name) ? { kind: 'write' } : { kind: 'read' };
  }
  const parsed = parseRestRequest({ method, url, headers: {}, body }, { auth: undefined, requestBytesMax: Infinity });
  switch (parsed.kind) {
    case 'command':
      return isWriteCommand(parsed.argv[0]) ? { kind: 'write' } : { kind: 'read' };
    case 'pipeline':
      return parsed.commands.some((argv) => isWriteCommand(argv[0])) ? { kind: 'write' } : { kind: 'read' };
    case 'transaction':
      return { kind: 'write' };
    default:
      return { kind: 'read' };
  }
}
