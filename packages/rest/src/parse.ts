import type { ByteString } from '@meridian/engine';
import { ERR_AUTH, type RestAuth } from './auth.js';
import { ARGUMENT_ENCODING_HEADER, RestFailure, parseJsonBody, toArgv, toCommandList } from './body.js';
import { ENCODING_HEADER, REQUEST_BYTES_MAX_DEFAULT, RESPONSE_FORMAT_HEADER } from './headers.js';
import type { ParsedRestRequest, RestCall, RestRequest, ResponseFormat } from './request.js';
import { SYNC_TOKEN_HEADER, parseSyncToken } from './sync-token.js';
import { bytesToText, percentDecode } from './text.js';

export interface ParseOptions {
  /** Token checker; undefined only for a node started with insecureNoAuth (everything is allowed). */
  readonly auth: RestAuth | undefined;
  readonly requestBytesMax?: number;
}

export const ERR_TOO_LARGE = 'ERR max request size exceeded';
export const ERR_METHOD = 'ERR method not allowed: use GET, HEAD, POST or PUT';
const ERR_FORMATS = 'ERR Upstash-Encoding: base64 cannot be combined with Upstash-Response-Format: resp2';

function header(request: RestRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

function failure(status: number, error: string): ParsedRestRequest {
  return { kind: 'failure', status, error };
}

interface SplitUrl {
  segments: string[];
  /** Query pairs in order, each already split at its first `=` (value undefined for a bare `?NX`). */
  query: [ByteString, ByteString | undefined][];
  credential: string | undefined;
}

function splitUrl(url: string): SplitUrl {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const segments = path.length <= 1 ? [] : path.slice(1).split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const query: [ByteString, ByteString | undefined][] = [];
  let credential: string | undefined;
  if (mark >= 0) {
    for (const part of url.slice(mark + 1).split('&')) {
      if (part.length === 0) continue;
      const equals = part.indexOf('=');
      const key = percentDecode(equals < 0 ? part : part.slice(0, equals));
      const value = equals < 0 ? undefined : percentDecode(part.slice(equals + 1));
      if (key === '_token') credential = bytesToText(value ?? '');
      else query.push([key, value]);
    }
  }
  return { segments, query, credential };
}

function bearer(request: RestRequest): string | undefined {
  const value = header(request, 'authorization');
  if (value === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

function responseFormat(request: RestRequest): ResponseFormat | RestFailure {
  const base64 = header(request, ENCODING_HEADER)?.trim().toLowerCase() === 'base64';
  const resp2 = header(request, RESPONSE_FORMAT_HEADER)?.trim().toLowerCase() === 'resp2';
  if (base64 && resp2) return new RestFailure(400, ERR_FORMATS);
  return resp2 ? 'resp2' : base64 ? 'base64' : 'json';
}

function pathCommand(split: SplitUrl, body: Buffer): ByteString[] {
  const argv = split.segments.map(percentDecode);
  if (body.length > 0) argv.push(body.toString('latin1'));
  for (const [key, value] of split.query) {
    argv.push(key);
    if (value !== undefined) argv.push(value);
  }
  return argv;
}

function target(split: SplitUrl, body: Buffer, call: RestCall, latin1: boolean): ParsedRestRequest {
  const { access, format, syncToken } = call;
  const first = split.segments[0];
  if (first === undefined) {
    const parsed = parseJsonBody(body);
    const argv = parsed instanceof RestFailure ? parsed : toArgv(parsed.value, parsed.asciiOnly, undefined, 0, latin1);
    if (argv instanceof RestFailure) return failure(argv.status, argv.error);
    return { kind: 'command', argv, access, format, syncToken };
  }
  const name = first.toLowerCase();
  if (split.segments.length === 1 && (name === 'pipeline' || name === 'multi-exec')) {
    const commands = toCommandList(body, name === 'pipeline' ? 'pipeline' : 'transaction', latin1);
    if (commands instanceof RestFailure) return failure(commands.status, commands.error);
    const kind = name === 'pipeline' ? 'pipeline' : 'transaction';
    return { kind, commands, access, format, syncToken };
  }
  if (name === 'subscribe' || name === 'psubscribe' || name === 'monitor') {
    const channels = split.segments.slice(1).map(percentDecode);
    return { kind: 'stream', stream: name, channels, access, format, syncToken };
  }
  return { kind: 'command', argv: pathCommand(split, body), access, format, syncToken };
}

/**
 * Turns an HTTP request into what it asks for: one command, a pipeline, a transaction, an event
 * stream, an admin endpoint, a CORS preflight, or a failure with its status (405, 413, 401, 400).
 * Authentication happens here; per-command permissions are `commandRefusal`'s job.
 */
export function parseRestRequest(request: RestRequest, options: ParseOptions): ParsedRestRequest {
  const method = request.method;
  if (method === 'OPTIONS') return { kind: 'preflight' };
  if (method !== 'POST' && method !== 'GET' && method !== 'PUT' && method !== 'HEAD') return failure(405, ERR_METHOD);
  if (request.body.length > (options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT)) return failure(413, ERR_TOO_LARGE);
  const split = splitUrl(request.url);
  const credential = bearer(request) ?? split.credential;
  if (split.segments[0] === '_meridian') {
    return { kind: 'admin', name: split.segments.slice(1).join('/'), credential };
  }
  const access = options.auth === undefined ? 'standard' : options.auth.authenticate(credential);
  if (access === undefined) return failure(401, ERR_AUTH);
  const format = responseFormat(request);
  if (format instanceof RestFailure) return failure(format.status, format.error);
  const syncToken = parseSyncToken(header(request, SYNC_TOKEN_HEADER));
  const latin1 = header(request, ARGUMENT_ENCODING_HEADER)?.trim().toLowerCase() === 'latin1';
  return target(split, request.body, { access, format, syncToken }, latin1);
}
