import http, { STATUS_CODES } from 'node:http';
import net, { type Socket } from 'node:net';
import { encodeJsonError } from './encode.js';
import { isHeaderName } from './headers.js';

/**
 * A front door for plain HTTP, in front of a node:http server: the common request (an HTTP/1.1
 * request line, distinct headers, a body framed by content-length, a path the owner answers) is
 * read by a small parser and answered with one write, without node:http's IncomingMessage,
 * ServerResponse and their streams. Anything else — upgrades, chunked bodies, `Expect`, repeated
 * headers, oversized or malformed requests, and whatever the owner declines (`answer` returns
 * undefined) — is handed, with the bytes already read, to the node:http server, which keeps the
 * connection from then on and answers as it always did. Requests on one connection are answered
 * in order, one at a time. The router and the node both listen through it.
 */

/** A body passed on without holding it whole (event streams, large answers): written as chunks. */
export interface FrontStream extends AsyncIterable<Uint8Array> {
  /** The client went away: stop producing. */
  cancel(): void;
}

export interface FrontRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * With `FrontOptions.unpassedHeaders`: the header lines as they came ("name: value\r\n" each),
   * but those it names, for a proxy to pass on without writing them out again (the router's).
   */
  readonly lines?: string;
}

export interface FrontAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  readonly body: string | Uint8Array | FrontStream;
  /**
   * The headers as lines written as they are ("name: value\r\n" each), instead of `headers`: an
   * answer passed on from elsewhere (the router's). No connection or framing header among them;
   * `headers` is then read only for a HEAD answer's content-length.
   */
  readonly head?: string | undefined;
  /** Whether `head` holds a date (else one is added). */
  readonly dated?: boolean | undefined;
}

export interface FrontOptions {
  /** The answer; undefined hands the connection, this request first, to node:http. */
  readonly answer: (request: FrontRequest) => FrontAnswer | Promise<FrontAnswer> | undefined;
  /** The answer has been written (its last byte for a stream): for metrics. */
  readonly answered?: (answer: FrontAnswer, startedMs: number) => void;
  /** Where a failure of `answer` is told before the client gets a 500. */
  readonly failed?: (error: unknown) => void;
  readonly requestBytesMax: number;
  /** Lower-case header names left out of `FrontRequest.lines`; without it, requests carry no lines. */
  readonly unpassedHeaders?: ReadonlySet<string>;
  /** An idle connection is closed after this long (node:http's keepAliveTimeout). */
  readonly keepAliveMs: number;
  /** A request's head must arrive within this long of its first byte (node:http's headersTimeout). */
  readonly headersMs: number;
  /** A whole request must arrive within this long of its first byte (node:http's requestTimeout). */
  readonly requestMs: number;
}

/** Longest request head read here; longer ones go to node:http (which answers 431). */
const HEAD_BYTES_MAX = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = new Uint8Array(0);
/** Visible ASCII only in the target: anything else is node:http's to refuse. */
const REQUEST_LINE = /^([A-Z]+) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
/** Control characters other than tab, which a header value may not hold. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const LINE_BREAK = /[\r\n]/;
function isStream(body: FrontAnswer['body']): body is FrontStream {
  return typeof body !== 'string' && !(body instanceof Uint8Array);
}

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

type Parsed =
  | { readonly kind: 'incomplete'; readonly headComplete: boolean }
  | { readonly kind: 'handOff' }
  | { readonly kind: 'request'; readonly request: FrontRequest; readonly close: boolean; readonly bytes: number };

/**
 * Header names most requests carry (lower case): matched in place, so no name string is made and
 * hashed for them, and told apart by their index (a bit each, at most 31).
 */
const KNOWN_NAMES: readonly string[] = [
  'host',
  'accept',
  'origin',
  'expect',
  'upgrade',
  'connection',
  'user-agent',
  'content-type',
  'authorization',
  'content-length',
  'accept-encoding',
  'accept-language',
  'upstash-encoding',
  'x-meridian-region',
  'transfer-encoding',
  'upstash-sync-token',
  'x-meridian-location',
  'x-meridian-consistency',
  'upstash-response-format',
];
/** Indexes into KNOWN_NAMES by name length. */
const KNOWN_BY_LENGTH: readonly (readonly number[] | undefined)[] = (() => {
  const byLength: number[][] = [];
  KNOWN_NAMES.forEach((name, index) => (byLength[name.length] ??= []).push(index));
  return byLength;
})();

/** The bits of the known names among `names`. */
function knownMask(names: Iterable<string>): number {
  let mask = 0;
  for (const name of names) {
    const index = KNOWN_NAMES.indexOf(name);
    if (index >= 0) mask |= 1 << index;
  }
  return mask;
}
const HANDED_OFF_MASK = knownMask(HANDED_OFF_HEADERS);

/** Names a request's `lines` leave out: the known ones as bits, the others by name. */
interface Unpassed {
  readonly mask: number;
  readonly names: ReadonlySet<string>;
}

/** The index of the known name text[from, to) spells in any case; -1 for others. */
function knownName(text: string, from: number, to: number): number {
  const indexes = KNOWN_BY_LENGTH[to - from];
  if (indexes === undefined) return -1;
  for (let i = 0; i < indexes.length; i++) {
    const index = indexes[i] as number;
    if (isHeaderName(text, from, to, KNOWN_NAMES[index] as string)) return index;
  }
  return -1;
}

/** Space and tab, which may surround a header value. */
const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;

/** One request from the start of `buffer`, or why not. */
function parseRequest(buffer: Buffer, requestBytesMax: number, unpassed?: Unpassed): Parsed {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0)
    return buffer.length > HEAD_BYTES_MAX ? { kind: 'handOff' } : { kind: 'incomplete', headComplete: false };
  if (end > HEAD_BYTES_MAX) return { kind: 'handOff' };
  // Every line, the last one too, ends with CRLF: the lines are read in place, not split out.
  const text = buffer.toString('latin1', 0, end + 2);
  const headEnd = text.length;
  const firstEnd = text.indexOf('\r\n');
  const line = REQUEST_LINE.exec(text.slice(0, firstEnd));
  if (line === null) return { kind: 'handOff' };
  const url = line[2] as string;
  const headers: Record<string, string> = {};
  let close = false;
  let length = 0;
  let lines = '';
  let keptFrom = firstEnd + 2;
  /** The known names read so far, a bit each: a repeated one is node:http's to join. */
  let seen = 0;
  for (let at = firstEnd + 2; at < headEnd;) {
    const lineEnd = text.indexOf('\r\n', at);
    const colon = text.indexOf(':', at);
    if (colon <= at || colon > lineEnd) return { kind: 'handOff' };
    const known = knownName(text, at, colon);
    let name: string;
    let unpassedHere: boolean;
    if (known >= 0) {
      const bit = 1 << known;
      if ((seen & bit) !== 0 || (HANDED_OFF_MASK & bit) !== 0) return { kind: 'handOff' };
      seen |= bit;
      name = KNOWN_NAMES[known] as string;
      unpassedHere = unpassed !== undefined && (unpassed.mask & bit) !== 0;
    } else {
      name = text.slice(at, colon).toLowerCase();
      if (!TOKEN.test(name) || headers[name] !== undefined) return { kind: 'handOff' };
      unpassedHere = unpassed?.names.has(name) === true;
    }
    // The value without the spaces and tabs around it; anything else a value may not hold is refused below.
    let from = colon + 1;
    let to = lineEnd;
    while (from < to && isBlank(text.charCodeAt(from))) from++;
    while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
    const value = text.slice(from, to);
    if (unpassedHere) {
      if (keptFrom < at) lines += text.slice(keptFrom, at);
      keptFrom = lineEnd + 2;
    }
    at = lineEnd + 2;
    if (CONTROL.test(value)) return { kind: 'handOff' };
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
  if (buffer.length < bytes) return { kind: 'incomplete', headComplete: true };
  const body = buffer.subarray(end + 4, bytes);
  const method = line[1] as string;
  if (unpassed === undefined) return { kind: 'request', request: { method, url, headers, body }, close, bytes };
  if (keptFrom < headEnd) lines += text.slice(keptFrom, headEnd);
  return { kind: 'request', request: { method, url, headers, body, lines }, close, bytes };
}

/** Status line and headers of an answer, ending with the framing (content-length, or chunked for a stream). */
function answerHead(answer: FrontAnswer, length: number | undefined, close: boolean): string | undefined {
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Unknown'}\r\n`;
  let dated = false;
  if (answer.head !== undefined) {
    head += answer.head;
    dated = answer.dated === true;
  } else {
    for (const name in answer.headers) {
      const lower = name.toLowerCase();
      if (OWN_ANSWER_HEADERS.has(lower)) continue;
      if (lower === 'date') dated = true;
      const value = answer.headers[name];
      if (value === undefined) continue;
      for (const one of typeof value === 'object' ? value : [String(value)]) {
        if (LINE_BREAK.test(one) || LINE_BREAK.test(name)) return undefined;
        head += `${name}: ${one}\r\n`;
      }
    }
  }
  if (!dated) head += `date: ${httpDate()}\r\n`;
  if (close) head += 'connection: close\r\n';
  if (length === undefined) head += 'transfer-encoding: chunked\r\n';
  else if (length >= 0) head += `content-length: ${length}\r\n`;
  return `${head}\r\n`;
}

/** What a HEAD answer declares: the content-length it was given, else its body's length. */
function declaredLength(answer: FrontAnswer, bodyBytes: number): number {
  const value = Number(answer.headers['content-length'] ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : bodyBytes;
}

const INTERNAL_ERROR = encodeJsonError('ERR internal error');
/** A request not received whole in time (node:http's ERR_HTTP_REQUEST_TIMEOUT gets the same text). */
export const ERR_REQUEST_TIMEOUT = 'ERR request timeout: the request was not received in time';

export class FrontConnection {
  private pending: Buffer | undefined;
  /** A request is being answered, or its answer waits for the client to drain: read no further. */
  private busy = false;
  private closing = false;
  /** Armed while a request is partly read: it must arrive whole in time (headersMs, then requestMs). */
  private deadline: NodeJS.Timeout | undefined;
  private requestStartMs = 0;
  /** onData is answering what one read carried. */
  private reading = false;
  /** Corked by `whole` for requests pipelined behind the one it answers; uncorked at the end of onData. */
  private corked = false;
  private readonly onData = (data: Buffer): void => {
    if (this.closing) return;
    this.pending = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
    if (this.busy) {
      if (this.pending.length > this.options.requestBytesMax + HEAD_BYTES_MAX) this.socket.pause();
      return;
    }
    this.reading = true;
    try {
      this.next();
    } finally {
      this.reading = false;
      if (this.corked) {
        this.corked = false;
        this.socket.uncork();
      }
    }
  };

  private readonly unpassed: Unpassed | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly server: http.Server,
    private readonly options: FrontOptions,
  ) {
    const names = options.unpassedHeaders;
    this.unpassed = names === undefined ? undefined : { mask: knownMask(names), names };
    socket.setNoDelay(true);
    socket.setTimeout(options.keepAliveMs);
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
    socket.on('close', () => this.clearDeadline());
  }

  /** No byte for keepAliveMs: an idle connection (or a silent partial request) closes; a request being answered is bounded elsewhere. */
  private readonly onTimeout = (): void => {
    if (!this.busy) this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.clearDeadline();
    this.socket.destroy();
  };

  private armDeadline(headComplete: boolean): void {
    if (this.deadline !== undefined) return;
    const ms = headComplete ? this.options.requestMs : this.options.headersMs || this.options.requestMs;
    if (!(ms > 0)) return; // 0: no limit, as for node:http
    this.requestStartMs = performance.now();
    this.deadline = setTimeout(() => this.deadlinePassed(), ms);
  }

  private clearDeadline(): void {
    if (this.deadline === undefined) return;
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  /** The head may take headersMs, the whole request requestMs: past that, 408 and close, as node:http does. */
  private deadlinePassed(): void {
    this.deadline = undefined;
    if (this.busy || this.closing || this.pending === undefined) return;
    const parsed = parseRequest(this.pending, this.options.requestBytesMax);
    if (parsed.kind !== 'incomplete') return;
    const leftMs = this.options.requestMs - (performance.now() - this.requestStartMs);
    if (parsed.headComplete && (leftMs > 0 || !(this.options.requestMs > 0))) {
      if (!(this.options.requestMs > 0)) return;
      this.deadline = setTimeout(() => this.deadlinePassed(), leftMs);
      return;
    }
    this.closing = true;
    this.pending = undefined;
    const body = encodeJsonError(ERR_REQUEST_TIMEOUT);
    const answer: FrontAnswer = { status: 408, headers: { 'content-type': 'application/json' }, body };
    this.socket.end(`${answerHead(answer, Buffer.byteLength(body), true) as string}${body}`, 'latin1');
  }

  /** Reads and answers the next request in the buffer, if it is whole. */
  private next(): void {
    const buffer = this.pending;
    if (buffer === undefined || buffer.length === 0 || this.closing) return;
    const parsed = parseRequest(buffer, this.options.requestBytesMax, this.unpassed);
    if (parsed.kind === 'incomplete') return this.armDeadline(parsed.headComplete);
    this.clearDeadline();
    if (parsed.kind === 'handOff') return this.handOff();
    const startedMs = performance.now();
    let answer: FrontAnswer | Promise<FrontAnswer> | undefined;
    try {
      answer = this.options.answer(parsed.request);
    } catch (error) {
      answer = this.internalError(error);
    }
    if (answer === undefined) return this.handOff();
    this.pending = parsed.bytes === buffer.length ? undefined : buffer.subarray(parsed.bytes);
    this.busy = true;
    const head = parsed.request.method === 'HEAD';
    if (!(answer instanceof Promise)) return this.write(answer, head, parsed.close, startedMs);
    answer.then(
      (settled) => this.write(settled, head, parsed.close, startedMs),
      (error: unknown) => this.write(this.internalError(error), head, parsed.close, startedMs),
    );
  }

  private internalError(error: unknown): FrontAnswer {
    this.options.failed?.(error);
    return { status: 500, headers: { 'content-type': 'application/json' }, body: INTERNAL_ERROR };
  }

  private write(answer: FrontAnswer, head: boolean, close: boolean, startedMs: number): void {
    const body = answer.body;
    if (this.socket.destroyed) {
      if (isStream(body)) body.cancel();
      return;
    }
    if (!isStream(body)) return this.whole(answer, body, head, close, startedMs);
    if (!head) {
      void this.stream(answer, body, close, startedMs);
      return;
    }
    body.cancel();
    this.whole(answer, EMPTY, head, close, startedMs);
  }

  private whole(
    answer: FrontAnswer,
    body: string | Uint8Array,
    head: boolean,
    close: boolean,
    startedMs: number,
  ): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const bodiless = answer.status === 204 || answer.status === 304;
    const length = bodiless ? -1 : head ? declaredLength(answer, bytes.byteLength) : bytes.byteLength;
    const text = answerHead(answer, length, close);
    if (text === undefined) return this.refuse(startedMs);
    const sent = head || bodiless ? EMPTY : bytes;
    const headBytes = Buffer.byteLength(text, 'latin1');
    const out = Buffer.allocUnsafe(headBytes + sent.byteLength);
    out.write(text, 0, 'latin1');
    out.set(sent, headBytes);
    // More requests came in the same read (a client or the router pipelining them): the answers
    // ready at once leave in one write at the end of the read, not one each. A lone request's
    // answer is written as it is.
    if (this.reading && !this.corked && this.pending !== undefined) {
      this.corked = true;
      this.socket.cork();
    }
    this.socket.write(out);
    this.options.answered?.(answer, startedMs);
    this.done(close);
  }

  /** A stream's pieces as chunks, waiting for the client to drain; the upstream is cancelled if the client leaves. */
  private async stream(answer: FrontAnswer, body: FrontStream, close: boolean, startedMs: number): Promise<void> {
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
    this.options.answered?.(answer, startedMs);
    this.done(close);
  }

  /** An answer whose headers cannot be written (a line break in a header): 502, and the connection closes. */
  private refuse(startedMs: number): void {
    const body = '{"error":"ERR the region answered with a header that cannot be forwarded"}';
    const refusal: FrontAnswer = { status: 502, headers: { 'content-type': 'application/json' }, body };
    this.socket.write(`${answerHead(refusal, Buffer.byteLength(body), true) as string}${body}`, 'latin1');
    this.options.answered?.(refusal, startedMs);
    this.done(true);
  }

  private done(close: boolean): void {
    if (close) {
      this.closing = true;
      this.socket.end();
      return;
    }
    if (this.socket.writableNeedDrain) {
      // The client is not reading its answers: read nothing more from it until it does.
      this.socket.pause();
      this.socket.once('drain', () => this.done(false));
      return;
    }
    this.busy = false;
    if (this.socket.isPaused()) this.socket.resume();
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
    this.clearDeadline();
    this.socket.setTimeout(0);
    this.socket.pause();
    if (pending !== undefined) this.socket.unshift(pending);
    this.server.emit('connection', this.socket);
    this.socket.resume();
  }
}

/**
 * A listener for plain HTTP whose connections go through the front door, handing what it does not
 * answer to `server` (which never listens itself: it only takes connections). `server`'s
 * 'connection' listeners see every socket once it is handed over; `onConnection` sees each at accept.
 */
export function listenFront(
  server: http.Server,
  options: FrontOptions,
  onConnection?: (socket: Socket) => void,
): net.Server {
  return net.createServer((socket) => {
    onConnection?.(socket);
    new FrontConnection(socket, server, options);
  });
}
