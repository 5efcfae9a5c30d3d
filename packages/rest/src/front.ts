import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { RouterResponse } from './handler.js';
import { type AnswerStream, type HeaderMap, isAnswerStream } from './region-client.js';

/**
 * The router's front door for plain HTTP: the common request (an HTTP/1.1 request line, distinct
 * headers, a body framed by content-length, a path the handler routes) is read by a small parser
 * and answered with one write, without node:http's IncomingMessage, ServerResponse and their
 * streams. Anything else — upgrades, chunked bodies, `Expect`, repeated headers, the dashboard,
 * `/metrics`, oversized or malformed requests — is handed, with the bytes already read, to the
 * node:http server (`handOff`), which keeps the connection from then on. Requests on one
 * connection are answered in order, one at a time.
 */

export interface FrontRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly body: Buffer;
}

export interface FrontOptions {
  /** Answers one request (the router's handler plus error handling); never rejects. */
  readonly answer: (request: FrontRequest) => Promise<RouterResponse>;
  /** The answer has been written (its last byte for a stream): for the metrics. */
  readonly answered: (answer: RouterResponse, startedMs: number) => void;
  /** Gives the socket, with `pending` put back in front of its unread bytes, to node:http. */
  readonly handOff: (socket: Socket, pending: Buffer | undefined) => void;
  readonly requestBytesMax: number;
  /** An idle connection is closed after this long (node:http's keepAliveTimeout). */
  readonly keepAliveMs: number;
  /** A request must arrive whole within this long of its first byte (node:http's headersTimeout). */
  readonly requestMs: number;
}

/** Longest request head read here; longer ones go to node:http (which answers 431). */
const HEAD_BYTES_MAX = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = new Uint8Array(0);
const REQUEST_LINE = /^([A-Z]+) (\/[^ ]*) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const LINE_BREAK = /[\r\n]/;
/** Request headers that need node:http's handling. */
const HANDED_OFF_HEADERS = new Set(['transfer-encoding', 'upgrade', 'expect']);
/** Answer headers written here from the body itself, or describing the hop. */
const OWN_ANSWER_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

let dateSecond = -1;
let dateText = '';
/** The Date header's value, formatted once a second. */
function httpDate(): string {
  const nowMs = Date.now();
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(nowMs).toUTCString();
  }
  return dateText;
}

/** Paths node:http keeps: the dashboard and local endpoints (`/_meridian/…`) and `/metrics`. */
function handledByNodeHttp(url: string): boolean {
  return url.startsWith('/_meridian/') || url === '/metrics' || url.startsWith('/metrics?');
}

type Parsed =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'handOff' }
  | { readonly kind: 'request'; readonly request: FrontRequest; readonly close: boolean; readonly bytes: number };

/** One request from the start of `buffer`, or why not. */
function parseRequest(buffer: Buffer, requestBytesMax: number): Parsed {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0) return buffer.length > HEAD_BYTES_MAX ? { kind: 'handOff' } : { kind: 'incomplete' };
  if (end > HEAD_BYTES_MAX) return { kind: 'handOff' };
  const lines = buffer.toString('latin1', 0, end).split('\r\n');
  const line = REQUEST_LINE.exec(lines[0] as string);
  if (line === null) return { kind: 'handOff' };
  const url = line[2] as string;
  if (handledByNodeHttp(url)) return { kind: 'handOff' };
  const headers: Record<string, string> = {};
  let close = false;
  let length = 0;
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i] as string;
    const colon = text.indexOf(':');
    if (colon <= 0) return { kind: 'handOff' };
    const name = text.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name) || headers[name] !== undefined || HANDED_OFF_HEADERS.has(name)) return { kind: 'handOff' };
    const value = text.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return { kind: 'handOff' };
      length = Number(value);
      if (length > requestBytesMax) return { kind: 'handOff' };
    } else if (name === 'connection') {
      const tokens = value.toLowerCase();
      if (tokens.includes('upgrade')) return { kind: 'handOff' };
      close = tokens.includes('close');
    }
    headers[name] = value;
  }
  const bytes = end + 4 + length;
  if (buffer.length < bytes) return { kind: 'incomplete' };
  const body = buffer.subarray(end + 4, bytes);
  return { kind: 'request', request: { method: line[1] as string, url, headers, body }, close, bytes };
}

/** Status line and headers of an answer, ending with the framing (content-length, or chunked for a stream). */
function answerHead(answer: RouterResponse, length: number | undefined, close: boolean): string | undefined {
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Unknown'}\r\n`;
  let dated = false;
  for (const name in answer.headers) {
    const lower = name.toLowerCase();
    if (OWN_ANSWER_HEADERS.has(lower)) continue;
    if (lower === 'date') dated = true;
    const value = answer.headers[name] as string | readonly string[];
    for (const one of typeof value === 'string' ? [value] : value) {
      if (LINE_BREAK.test(one) || LINE_BREAK.test(name)) return undefined;
      head += `${name}: ${one}\r\n`;
    }
  }
  if (!dated) head += `date: ${httpDate()}\r\n`;
  if (close) head += 'connection: close\r\n';
  head += length === undefined ? 'transfer-encoding: chunked\r\n\r\n' : `content-length: ${length}\r\n\r\n`;
  return head;
}

/** The framing an answer keeps for HEAD and bodiless statuses: its own content-length, no body bytes. */
function bodilessLength(answer: RouterResponse): number {
  const declared = answer.headers['content-length'];
  const value = Number(typeof declared === 'string' ? declared : undefined);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

export class FrontConnection {
  private pending: Buffer | undefined;
  private busy = false;
  private closing = false;
  private timeoutMs: number;
  private readonly onData = (data: Buffer): void => {
    this.pending = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
    if (!this.busy) this.next();
  };

  constructor(
    private readonly socket: Socket,
    private readonly options: FrontOptions,
  ) {
    socket.setNoDelay(true);
    this.timeoutMs = options.keepAliveMs;
    socket.setTimeout(options.keepAliveMs);
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
  }

  /** Fires only while idle or reading a request: a request being answered is bounded by the forward timeout. */
  private readonly onTimeout = (): void => {
    if (!this.busy) this.socket.destroy();
  };

  private timeout(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  /** Reads and answers the next request in the buffer, if it is whole. */
  private next(): void {
    const buffer = this.pending;
    if (buffer === undefined || buffer.length === 0 || this.closing) return;
    const parsed = parseRequest(buffer, this.options.requestBytesMax);
    if (parsed.kind === 'incomplete') return this.timeout(this.options.requestMs);
    if (parsed.kind === 'handOff') return this.handOff();
    this.pending = parsed.bytes === buffer.length ? undefined : buffer.subarray(parsed.bytes);
    this.busy = true;
    const startedMs = performance.now();
    void this.options.answer(parsed.request).then((answer) => {
      if (this.socket.destroyed) {
        if (isAnswerStream(answer.body)) answer.body.cancel();
        return;
      }
      const head = parsed.request.method === 'HEAD';
      if (isAnswerStream(answer.body) && !head) {
        void this.stream(answer, answer.body, parsed.close, startedMs);
        return;
      }
      if (isAnswerStream(answer.body)) answer.body.cancel();
      this.whole(answer, head, parsed.close, startedMs);
    });
  }

  private whole(answer: RouterResponse, head: boolean, close: boolean, startedMs: number): void {
    const body = answer.body as string | Uint8Array;
    const bodiless = head || answer.status === 204 || answer.status === 304;
    const bytes = bodiless ? EMPTY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const text = answerHead(answer, bodiless ? bodilessLength(answer) : bytes.byteLength, close);
    if (text === undefined) return this.refuse(startedMs);
    const headBytes = Buffer.byteLength(text, 'latin1');
    const out = Buffer.allocUnsafe(headBytes + bytes.byteLength);
    out.write(text, 0, 'latin1');
    out.set(bytes, headBytes);
    this.socket.write(out);
    this.options.answered(answer, startedMs);
    this.done(close);
  }

  /** A stream's pieces as chunks, waiting for the client to drain; the upstream is cancelled if the client leaves. */
  private async stream(answer: RouterResponse, body: AnswerStream, close: boolean, startedMs: number): Promise<void> {
    const text = answerHead(answer, undefined, close);
    if (text === undefined) {
      body.cancel();
      return this.refuse(startedMs);
    }
    const socket = this.socket;
    const gone = (): void => body.cancel();
    socket.once('close', gone);
    socket.write(text, 'latin1');
    try {
      for await (const piece of body) {
        if (socket.destroyed) return;
        if (piece.byteLength === 0) continue;
        const framed = socket.write(`${piece.byteLength.toString(16)}\r\n`, 'latin1');
        socket.write(piece);
        if (!socket.write('\r\n', 'latin1') || !framed) {
          await new Promise<void>((resolve) => {
            const resume = (): void => {
              socket.off('drain', resume);
              socket.off('close', resume);
              resolve();
            };
            socket.on('drain', resume);
            socket.on('close', resume);
          });
        }
      }
    } catch {
      // The region failed mid-answer: the client sees the connection end without the last chunk.
      socket.destroy();
      return;
    } finally {
      socket.off('close', gone);
    }
    if (socket.destroyed) return;
    socket.write('0\r\n\r\n', 'latin1');
    this.options.answered(answer, startedMs);
    this.done(close);
  }

  /** An answer whose headers cannot be written (a line break in a header): 502, and the connection closes. */
  private refuse(startedMs: number): void {
    const body = '{"error":"ERR the region answered with a header that cannot be forwarded"}';
    const refusal: RouterResponse = { status: 502, headers: { 'content-type': 'application/json' }, body };
    this.socket.write(`${answerHead(refusal, Buffer.byteLength(body), true) as string}${body}`, 'latin1');
    this.options.answered(refusal, startedMs);
    this.done(true);
  }

  private done(close: boolean): void {
    this.busy = false;
    if (close) {
      this.closing = true;
      this.socket.end();
      return;
    }
    this.timeout(this.pending === undefined ? this.options.keepAliveMs : this.options.requestMs);
    if (this.pending !== undefined) this.next();
  }

  /** node:http takes the connection from here on, starting with the bytes not yet answered. */
  private handOff(): void {
    const pending = this.pending;
    this.pending = undefined;
    this.closing = true;
    this.socket.off('data', this.onData);
    this.socket.off('timeout', this.onTimeout);
    this.socket.off('error', this.onError);
    this.socket.setTimeout(0);
    this.socket.pause();
    this.options.handOff(this.socket, pending);
  }
}
