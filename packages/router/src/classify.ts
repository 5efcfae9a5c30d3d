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

function splitPath(url: string): string[] {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  return path.length <= 1 ? [] : path.slice(1).split('/');
}

/**
 * Classifies from the request line alone, or answers `needsBody` when only the body can tell
 * (the JSON command form on `/` and `/pipeline`). The path form's command name is its first segment.
 */
export function classifyRequestLine(method: string, url: string): RequestClass | 'needsBody' {
  if (method === 'OPTIONS') return { kind: 'preflight' };
  const segments = splitPath(url);
  const first = segments[0];
  if (first === undefined || first === '') return 'needsBody';
  if (first === '_meridian') return { kind: 'local', endpoint: segments.slice(1).join('/') };
  const name = percentDecode(first).toLowerCase();
  if (segments.length === 1 && name === 'pipeline') return 'needsBody';
  if (segments.length === 1 && name === 'multi-exec') return { kind: 'write' };
  if (name === 'subscribe' || name === 'psubscribe' || name === 'monitor') return { kind: 'stream' };
  return isWriteCommand(name) ? { kind: 'write' } : { kind: 'read' };
}

/**
 * Classifies a request whose body is known. Malformed requests count as reads: the nearest node
 * answers them with the protocol's own error, exactly as if the client had asked it directly.
 */
export function classifyRequest(method: string, url: string, body: Buffer): RequestClass {
  const fromLine = classifyRequestLine(method, url);
  if (fromLine !== 'needsBody') return fromLine;
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
