import { MeridianError } from '@meridian/engine';
import net from 'node:net';
import { isHeaderName } from '@meridian/rest';
import { CONSISTENCY_HEADER } from './location.js';
import {
  type AnswerStream,
  HOP_BY_HOP_HEADERS,
  type HeaderMap,
  type RegionAnswer,
  type RegionCallResult,
  type RegionClient,
  type RegionRequest,
} from './region-client.js';

/**
 * The router's forwarding path to http:// regions over its own keep-alive sockets: the request is
 * written as one buffer (head and body, one syscall) and the answer is framed by a small HTTP/1.1
 * parser, without node:http's ClientRequest, agent bookkeeping and IncomingMessage streams, which
 * the profile of a routed GET found to cost more than everything the router decides. Event streams
 * (no timeout) and https:// regions go to `fallback` (node:http over the same agents as before).
 */

/**
 * Pipelinable requests (reads a region answers at once) written together on one socket at most;
 * more in one turn of the event loop go on further sockets.
 */
const PIPELINE_REQUESTS_MAX = 16;
const EMPTY = Buffer.alloc(0);
/** Answers up to this size are read whole (one write to the client); larger ones are streamed. */
const BUFFERED_ANSWER_BYTES_MAX = 64 * 1024;
/** Sockets open to one region at most; further requests wait for one to come free. */
const SOCKETS_PER_ORIGIN_MAX = 256;
/**
 * An idle socket is closed after this long: before a node's keep-alive timeout (5 s) closes it
 * under a request. The race that remains is answered `retryable`, as node:http's agent does.
 */
const IDLE_SOCKET_MS = 4_000;
/** A streamed answer stops reading from its socket while this much is waiting for the client. */
const STREAM_QUEUE_BYTES_MAX = 1024 * 1024;
/** Longest answer head accepted (status line and headers). */
const ANSWER_HEAD_BYTES_MAX = 64 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/**
 * Where every region socket's reads land (net's `onread`): read and handled before the next read,
 * so one buffer serves them all. What outlives a read (a partial head, a body) is copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** Space and tab, which may surround a header value. */
const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;
/** Request-line and header text that could split a request (cannot come from node's parser; checked anyway). */
const LINE_BREAK = /[\r\n]/;
/** A carriage return or line feed that is not part of a CRLF: such header lines are not passed on as they are. */
const LONE_BREAK = /\r(?!\n)|(?<!\r)\n/;
/** Headers the client writes itself. */
const OWN_HEADERS = new Set(['content-length', 'host', 'connection', 'transfer-encoding', 'keep-alive', 'expect']);

/** A body arriving from the socket, handed to a reader as it comes (streamed answers). */
class StreamSink implements AnswerStream {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: string | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly pause: (paused: boolean) => void,
    private readonly onCancel: () => void,
  ) {}

  push(piece: Buffer): void {
    this.queue.push(piece);
    this.queued += piece.length;
    if (this.queued > STREAM_QUEUE_BYTES_MAX) this.pause(true);
    this.notify();
  }

  end(failure?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  cancel(): void {
    if (!this.ended) this.end('cancelled');
    this.onCancel();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const piece = this.queue.shift();
      if (piece !== undefined) {
        this.queued -= piece.length;
        if (this.queued <= STREAM_QUEUE_BYTES_MAX / 2) this.pause(false);
        yield piece;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined && this.failure !== 'cancelled')
          throw new MeridianError('MERIDIAN_ROUTER_ANSWER_FAILED', this.failure);
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

type Framing =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; remaining: number }
  | { readonly kind: 'close' };

/** Header lines of `head` from `at` as a map: names in lower case, values without the blanks around them. */
function parseHeaders(head: string, at: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  while (at < head.length) {
    const lineEnd = head.indexOf('\r\n', at);
    const colon = head.indexOf(':', at);
    const name = head.slice(at, colon).trim().toLowerCase();
    const value = head.slice(colon + 1, lineEnd).replace(/^[ \t]+|[ \t]+$/g, '');
    at = lineEnd + 2;
    const before = headers[name];
    if (before === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(before)) before.push(value);
    else headers[name] = `${before}, ${value}`;
  }
  return headers;
}

/**
 * An answer whose head is kept as the region wrote it: the router passes `lines` on, and
 * `headers` is parsed only when someone asks for them (a test, node:http's writeHead for TLS).
 */
class ReadAnswer implements RegionAnswer {
  body: Uint8Array | AnswerStream = EMPTY;
  private parsed: Record<string, string | string[]> | undefined;

  constructor(
    readonly status: number,
    /** The status line and header lines, each ending with CRLF. */
    private readonly head: string,
    private readonly headersAt: number,
    readonly lines: string | undefined,
    readonly servedBy: string | undefined,
    readonly stalenessMs: string | undefined,
    readonly dated: boolean,
  ) {}

  get headers(): HeaderMap {
    this.parsed ??= parseHeaders(this.head, this.headersAt);
    return this.parsed;
  }
}

/** What the scan of an answer head does with a header, by its name (`headerKind`). */
const enum Kind {
  Kept,
  ContentLength,
  TransferEncoding,
  Connection,
  /** Describes the hop (and content-length's kin): not passed on. */
  Dropped,
  ServedBy,
  Staleness,
  Date,
}

/** The headers the scan treats apart, by name length; the rest are passed on. */
const NAMED: ReadonlyMap<number, readonly (readonly [string, Kind])[]> = (() => {
  const named = new Map<number, [string, Kind][]>();
  const add = (name: string, kind: Kind): void => {
    const same = named.get(name.length) ?? [];
    same.push([name, kind]);
    named.set(name.length, same);
  };
  add('content-length', Kind.ContentLength);
  add('transfer-encoding', Kind.TransferEncoding);
  add('connection', Kind.Connection);
  for (const name of HOP_BY_HOP_HEADERS)
    if (!named.get(name.length)?.some(([known]) => known === name)) add(name, Kind.Dropped);
  add(CONSISTENCY_HEADER, Kind.Dropped);
  add('x-meridian-served-by', Kind.ServedBy);
  add('x-meridian-staleness-ms', Kind.Staleness);
  add('date', Kind.Date);
  return named;
})();

function headerKind(head: string, from: number, to: number): Kind {
  const same = NAMED.get(to - from);
  if (same === undefined) return Kind.Kept;
  for (const [name, kind] of same) if (isHeaderName(head, from, to, name)) return kind;
  return Kind.Kept;
}

/** One request on one socket, from the write to the answer's last byte. */
interface Exchange {
  readonly method: string;
  readonly timeoutMs: number;
  readonly resolve: (result: RegionCallResult) => void;
  settled: boolean;
  /** Bytes of the answer seen: none means a failure is safe to retry on a reused socket. */
  seenBytes: number;
  /** The answer, from its head on (its body set when whole). */
  answer: ReadAnswer | undefined;
  framing: Framing | undefined;
  keepAlive: boolean;
  /** Whole-body mode: the pieces so far. */
  pieces: Buffer[] | undefined;
  piecesBytes: number;
  stream: StreamSink | undefined;
  /** Written on a socket behind another request still unanswered (pipelined). */
  behind: boolean;
}

/** A request ready to go: its exchange and its bytes. */
interface Send {
  readonly exchange: Exchange;
  readonly bytes: Buffer;
}

class Connection {
  readonly socket: net.Socket;
  private pending: Buffer | undefined;
  /** Requests written and not yet answered whole, oldest first: the first one's answer is being read. */
  readonly exchanges: Exchange[] = [];
  /** Requests answered on this socket. */
  used = 0;
  /** When it last went back to the pool (performance.now()). */
  idleSinceMs = 0;
  /** The socket's inactivity timeout: the last request's (a timeout while idle only closes the socket). */
  private timeoutMs = 0;

  constructor(
    private readonly origin: Origin,
    host: string,
    port: number,
  ) {
    // Reads go straight to onData from READ_BUFFER: no Buffer per read, no readable stream in between.
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes) => {
          this.onData(READ_BUFFER.subarray(0, bytes));
          return true;
        },
      },
    });
    this.socket.on('timeout', () => this.fail(`no answer within ${this.exchanges[0]?.timeoutMs} ms`, true));
    this.socket.on('error', (error) => this.fail(error.message, false));
    this.socket.on('close', () => this.closed());
  }

  /** Writes requests in one write; the region answers them in order (HTTP/1.1 pipelining). */
  start(sends: readonly Send[]): void {
    for (const { exchange } of sends) {
      exchange.behind = this.exchanges.length > 0;
      this.exchanges.push(exchange);
      if (exchange.timeoutMs !== this.timeoutMs) {
        this.timeoutMs = exchange.timeoutMs;
        this.socket.setTimeout(exchange.timeoutMs);
      }
    }
    this.socket.write(sends.length === 1 ? (sends[0] as Send).bytes : Buffer.concat(sends.map((send) => send.bytes)));
  }

  private settle(exchange: Exchange, result: RegionCallResult): void {
    if (exchange.settled) return;
    exchange.settled = true;
    exchange.resolve(result);
  }

  /**
   * Fails every request on the socket. One that saw no byte of its answer may be sent again when
   * the socket had answered before (the region closed it while idle) or it was pipelined behind
   * another (only reads are; the region answers in order, so it was not answered).
   */
  private fail(error: string, timedOut: boolean): undefined {
    for (const exchange of this.exchanges.splice(0)) {
      if (exchange.stream !== undefined) exchange.stream.end(error);
      this.settle(exchange, {
        kind: 'failed',
        error,
        timedOut,
        retryable: !timedOut && (this.used > 0 || exchange.behind) && exchange.seenBytes === 0,
      });
    }
    this.socket.destroy();
    return undefined;
  }

  private closed(): void {
    const exchange = this.exchanges[0];
    if (exchange?.framing?.kind === 'close') this.finish(exchange);
    if (this.exchanges.length > 0) this.fail('the region closed the connection before its answer was complete', false);
    this.origin.forget(this);
  }

  /** Bytes from the socket, in READ_BUFFER: valid only until this returns. */
  private onData(data: Buffer): void {
    let chunk: Buffer | undefined = data;
    while (chunk !== undefined && chunk.length > 0) {
      const exchange = this.exchanges[0];
      if (exchange === undefined) {
        // Bytes nobody asked for: the connection is out of step, never reuse it.
        this.socket.destroy();
        return;
      }
      chunk = this.read(exchange, chunk);
    }
  }

  /** Reads the first request's answer from `data`; returns the bytes past its end (the next answer's), if any. */
  private read(exchange: Exchange, data: Buffer): Buffer | undefined {
    exchange.seenBytes += data.length;
    let chunk = data;
    if (exchange.framing === undefined) {
      const buffer = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
      const end = buffer.indexOf(HEAD_END);
      if (end < 0) {
        if (buffer.length > ANSWER_HEAD_BYTES_MAX) return this.fail('answer head too large', false);
        this.pending = buffer === data ? Buffer.from(data) : buffer;
        return undefined;
      }
      this.pending = undefined;
      const failure = this.readHead(exchange, buffer.toString('latin1', 0, end + 2));
      if (failure !== undefined) return this.fail(failure, false);
      chunk = buffer.subarray(end + 4);
      // After an interim answer (100 Continue) the real head follows.
      if (exchange.framing === undefined) return chunk;
    }
    return this.body(exchange, chunk);
  }

  /**
   * Status line and headers (each line ending with CRLF); sets the framing of the body. One pass
   * over the lines, building no header map: the lines the router passes on are kept as the region
   * wrote them, and the few it reads (framing, connection, served-by, staleness, date) are read here.
   */
  private readHead(exchange: Exchange, head: string): string | undefined {
    const firstEnd = head.indexOf('\r\n');
    const first = head.slice(0, firstEnd);
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(first);
    if (statusLine === null) return `malformed answer status line: ${JSON.stringify(first.slice(0, 80))}`;
    const status = Number(statusLine[2]);
    let lines = '';
    let keptFrom = firstEnd + 2;
    let length: string | undefined;
    let chunked = false;
    let connection = '';
    let servedBy: string | undefined;
    let stalenessMs: string | undefined;
    let dated = false;
    for (let at = firstEnd + 2; at < head.length;) {
      const lineEnd = head.indexOf('\r\n', at);
      const colon = head.indexOf(':', at);
      if (colon <= at || colon > lineEnd) {
        return `malformed answer header line: ${JSON.stringify(head.slice(at, Math.min(lineEnd, at + 80)))}`;
      }
      let nameEnd = colon;
      while (nameEnd > at && isBlank(head.charCodeAt(nameEnd - 1))) nameEnd--;
      const kind = headerKind(head, at, nameEnd);
      const next = lineEnd + 2;
      if (kind !== Kind.Kept) {
        let from = colon + 1;
        let to = lineEnd;
        while (from < to && isBlank(head.charCodeAt(from))) from++;
        while (to > from && isBlank(head.charCodeAt(to - 1))) to--;
        const value = head.slice(from, to);
        if (kind === Kind.ServedBy) servedBy ??= value;
        else if (kind === Kind.Staleness) stalenessMs ??= value;
        else if (kind === Kind.Date) dated = true;
        else {
          if (kind === Kind.ContentLength) {
            if (length !== undefined)
              return `malformed answer content-length: ${JSON.stringify(`${length}, ${value}`)}`;
            length = value;
          } else if (kind === Kind.TransferEncoding) chunked ||= value.toLowerCase().includes('chunked');
          else if (kind === Kind.Connection) connection += value.toLowerCase();
          // Not passed on: the kept lines before it are.
          if (keptFrom < at) lines += head.slice(keptFrom, at);
          keptFrom = next;
        }
      }
      at = next;
    }
    if (status < 200) {
      // An interim answer (100 Continue): the real one follows on the same socket.
      exchange.framing = undefined;
      return undefined;
    }
    if (keptFrom < head.length) lines = keptFrom === firstEnd + 2 ? head.slice(keptFrom) : lines + head.slice(keptFrom);
    // A lone CR or LF would split a header line at the client: such a head is passed on through its map, which refuses it.
    const passed = LONE_BREAK.test(lines) ? undefined : lines;
    const answer = new ReadAnswer(status, head, firstEnd + 2, passed, servedBy, stalenessMs, dated);
    exchange.answer = answer;
    exchange.keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if (exchange.method === 'HEAD' || status === 204 || status === 304) exchange.framing = { kind: 'none' };
    else if (chunked) exchange.framing = { kind: 'chunked', state: 'size', remaining: 0 };
    else if (length !== undefined) {
      if (!/^\d+$/.test(length)) return `malformed answer content-length: ${JSON.stringify(length)}`;
      exchange.framing = { kind: 'length', remaining: Number(length) };
    } else {
      exchange.framing = { kind: 'close' };
      exchange.keepAlive = false;
    }
    const whole =
      exchange.framing.kind === 'none' ||
      (exchange.framing.kind === 'length' && exchange.framing.remaining <= BUFFERED_ANSWER_BYTES_MAX);
    if (whole) {
      exchange.pieces = [];
    } else {
      exchange.stream = new StreamSink(
        (paused) => (paused ? this.socket.pause() : this.socket.resume()),
        () => this.abandon(exchange),
      );
      answer.body = exchange.stream;
      this.settle(exchange, { kind: 'answered', answer });
    }
    return undefined;
  }

  /** The client left a streamed answer: the socket is mid-answer, so it is closed, not reused. */
  private abandon(exchange: Exchange): void {
    if (this.exchanges[0] !== exchange) return;
    this.exchanges.shift();
    this.fail('the client left a streamed answer ahead of this one', false);
  }

  /** Keeps a copy of body bytes (they are in READ_BUFFER). */
  private deliver(exchange: Exchange, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const piece = Buffer.from(bytes);
    if (exchange.pieces !== undefined) {
      exchange.pieces.push(piece);
      exchange.piecesBytes += piece.length;
    } else exchange.stream?.push(piece);
  }

  /**
   * Reads body bytes of the first request's answer. Returns what lies past its end when it ended
   * (the next pipelined answer's bytes, maybe none), undefined while it goes on or after a failure.
   */
  private body(exchange: Exchange, chunk: Buffer): Buffer | undefined {
    const framing = exchange.framing as Framing;
    switch (framing.kind) {
      case 'none':
        if (chunk.length > 0 && this.exchanges.length < 2)
          return this.fail('the region sent a body where none belongs', false);
        return this.finish(exchange, chunk);
      case 'close':
        this.deliver(exchange, chunk);
        return undefined;
      case 'length': {
        if (chunk.length > framing.remaining && this.exchanges.length < 2)
          return this.fail('the region sent more than its content-length', false);
        const take = Math.min(framing.remaining, chunk.length);
        framing.remaining -= take;
        this.deliver(exchange, take === chunk.length ? chunk : chunk.subarray(0, take));
        return framing.remaining === 0 ? this.finish(exchange, chunk.subarray(take)) : undefined;
      }
      case 'chunked':
        return this.chunked(exchange, framing, chunk);
    }
  }

  private chunked(
    exchange: Exchange,
    framing: Extract<Framing, { kind: 'chunked' }>,
    input: Buffer,
  ): Buffer | undefined {
    let chunk = this.pending === undefined ? input : Buffer.concat([this.pending, input]);
    this.pending = undefined;
    while (chunk.length > 0) {
      if (framing.state === 'data') {
        const take = Math.min(framing.remaining, chunk.length);
        this.deliver(exchange, chunk.subarray(0, take));
        framing.remaining -= take;
        chunk = chunk.subarray(take);
        if (framing.remaining === 0) framing.state = 'data-end';
        continue;
      }
      const lineEnd = chunk.indexOf('\r\n', 0, 'latin1');
      if (lineEnd < 0) {
        if (chunk.length > 4096) return this.fail('malformed chunked answer', false);
        this.pending = Buffer.from(chunk);
        return undefined;
      }
      const line = chunk.toString('latin1', 0, lineEnd);
      chunk = chunk.subarray(lineEnd + 2);
      if (framing.state === 'data-end') {
        if (line !== '') return this.fail('malformed chunked answer', false);
        framing.state = 'size';
      } else if (framing.state === 'size') {
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) return this.fail('malformed chunked answer', false);
        if (size === 0) framing.state = 'trailer';
        else {
          framing.state = 'data';
          framing.remaining = size;
        }
      } else if (line === '') {
        if (chunk.length > 0 && this.exchanges.length < 2)
          return this.fail('the region sent bytes after its answer', false);
        return this.finish(exchange, chunk);
      }
    }
    return undefined;
  }

  /** The first request's answer is whole: it is settled, and the socket goes back to the pool when nothing else is on it. */
  private finish(exchange: Exchange, rest: Buffer = EMPTY): Buffer | undefined {
    this.exchanges.shift();
    if (exchange.pieces !== undefined) {
      const answer = exchange.answer as ReadAnswer;
      answer.body =
        exchange.pieces.length === 0
          ? EMPTY
          : exchange.pieces.length === 1
            ? (exchange.pieces[0] as Buffer)
            : Buffer.concat(exchange.pieces, exchange.piecesBytes);
      this.settle(exchange, { kind: 'answered', answer });
    } else exchange.stream?.end();
    this.used++;
    if (!exchange.keepAlive || this.socket.destroyed) {
      // Requests pipelined behind it were not answered: they fail (retryable) as the socket closes.
      if (this.exchanges.length > 0) this.fail('the region closed the connection after an answer', false);
      this.socket.destroy();
      return undefined;
    }
    if (this.exchanges.length === 0) this.origin.release(this);
    return rest;
  }
}

/** The sockets to one region (`http://host:port`): idle ones (newest first) and requests waiting for one. */
class Origin {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly waiting: Send[] = [];
  /** Pipelinable requests of this turn of the event loop, written together at its end (`flush`). */
  private batch: Send[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly hostHeader: string,
    private readonly socketsMax: number,
  ) {}

  /**
   * Sends a request on a socket of its own, or, when `pipelinable` and other requests are in
   * flight (the router is under load), once this turn of the event loop ends, in one write with
   * the other pipelinable requests that came in the same turn.
   */
  send(send: Send, pipelinable: boolean): void {
    // With no request in flight to this region there is nothing to wait for: one alone goes at once.
    if (!pipelinable || (this.batch.length === 0 && this.open.size === this.idle.length)) return this.startOn([send]);
    this.batch.push(send);
    this.flushing ??= setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushing = undefined;
    const batch = this.batch;
    this.batch = [];
    if (batch.length <= PIPELINE_REQUESTS_MAX) return this.startOn(batch);
    for (let at = 0; at < batch.length; at += PIPELINE_REQUESTS_MAX)
      this.startOn(batch.slice(at, at + PIPELINE_REQUESTS_MAX));
  };

  /** Requests on one socket: an idle one, else a new one, else they wait for one. */
  private startOn(sends: Send[]): void {
    let connection = this.idle.pop();
    while (connection?.socket.destroyed === true) connection = this.idle.pop();
    if (connection !== undefined) return connection.start(sends);
    if (this.open.size >= this.socketsMax) {
      this.waiting.push(...sends);
      return;
    }
    const fresh = new Connection(this, this.host, this.port);
    this.open.add(fresh);
    fresh.start(sends);
  }

  release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next !== undefined) return connection.start([next]);
    connection.idleSinceMs = performance.now();
    this.idle.push(connection);
    this.sweepSoon();
  }

  /** Closes sockets idle for IDLE_SOCKET_MS, checking every quarter of that while any is idle. */
  private sweepSoon(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setTimeout(() => {
      this.sweeper = undefined;
      const oldestMs = performance.now() - IDLE_SOCKET_MS;
      // Oldest first: the pool takes from the end (newest), so the stale ones sit at the start.
      while (this.idle.length > 0 && (this.idle[0] as Connection).idleSinceMs <= oldestMs) {
        (this.idle.shift() as Connection).socket.destroy();
      }
      if (this.idle.length > 0) this.sweepSoon();
    }, IDLE_SOCKET_MS / 4);
    this.sweeper.unref();
  }

  forget(connection: Connection): void {
    this.open.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next !== undefined) this.startOn([next]);
  }

  destroy(): void {
    if (this.sweeper !== undefined) clearTimeout(this.sweeper);
    if (this.flushing !== undefined) clearImmediate(this.flushing);
    for (const { exchange } of this.batch.splice(0)) {
      exchange.resolve({ kind: 'failed', error: 'the router is stopping', timedOut: false, retryable: false });
    }
    for (const connection of this.open) connection.socket.destroy();
  }
}

/** The request as one buffer: request line, headers (our own host and content-length), body. */
function encodeRequest(origin: Origin, request: RegionRequest): Buffer | undefined {
  if (LINE_BREAK.test(request.path) || LINE_BREAK.test(request.method)) return undefined;
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${origin.hostHeader}\r\n`;
  if (request.lines !== undefined) return withBody(`${head}${request.lines}`, request.body);
  const headers: HeaderMap = request.headers;
  for (const name in headers) {
    if (OWN_HEADERS.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      if (LINE_BREAK.test(value)) return undefined;
      head += `${name}: ${value}\r\n`;
    } else {
      for (const one of value) {
        if (LINE_BREAK.test(one)) return undefined;
        head += `${name}: ${one}\r\n`;
      }
    }
  }
  return withBody(head, request.body);
}

/** Request line and header lines, content-length and the body, in one buffer. */
function withBody(lines: string, body: Uint8Array): Buffer {
  const head = `${lines}content-length: ${body.byteLength}\r\n\r\n`;
  const headBytes = head.length;
  const bytes = Buffer.allocUnsafe(headBytes + body.byteLength);
  bytes.write(head, 0, 'latin1');
  bytes.set(body, headBytes);
  return bytes;
}

export class SocketRegionClient implements RegionClient {
  private readonly origins = new Map<string, Origin | null>();

  constructor(
    private readonly fallback: RegionClient,
    /** Sockets open to one region at most; further requests wait for one to come free. */
    private readonly socketsPerRegionMax = SOCKETS_PER_ORIGIN_MAX,
  ) {}

  send(url: string, request: RegionRequest): Promise<RegionCallResult> {
    const origin = request.timeoutMs === undefined ? null : this.originOf(url);
    const bytes = origin === null ? undefined : encodeRequest(origin, request);
    if (origin === null || bytes === undefined) return this.fallback.send(url, request);
    return new Promise((resolve) => {
      const exchange: Exchange = {
        method: request.method,
        timeoutMs: request.timeoutMs as number,
        resolve,
        settled: false,
        seenBytes: 0,
        answer: undefined,
        framing: undefined,
        keepAlive: true,
        pieces: undefined,
        piecesBytes: 0,
        stream: undefined,
        behind: false,
      };
      origin.send({ exchange, bytes }, request.pipelinable === true);
    });
  }

  /** The pool for an http:// base URL; null for anything else (https, a path, a bad URL). */
  private originOf(url: string): Origin | null {
    let origin = this.origins.get(url);
    if (origin !== undefined) return origin;
    origin = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' && (parsed.pathname === '/' || parsed.pathname === '') && parsed.search === '') {
        const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
        origin = new Origin(host, Number(parsed.port || 80), parsed.host, this.socketsPerRegionMax);
      }
    } catch {
      origin = null;
    }
    this.origins.set(url, origin);
    return origin;
  }

  /** Closes every socket (the router is stopping). */
  destroy(): void {
    for (const origin of this.origins.values()) origin?.destroy();
    this.origins.clear();
  }
}
