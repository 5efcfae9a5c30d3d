import type { ByteString } from '@meridian/engine';
import { splitInline } from './inline.js';
import { RESP_LIMITS_DEFAULT, type RespLimits } from './limits.js';

/** Why the parser stopped; after one the connection must be closed (Redis does too). */
export class RespProtocolError {
  constructor(
    readonly code: 'MERIDIAN_RESP_PROTOCOL' | 'MERIDIAN_RESP_QUERY_BUFFER',
    /** The error reply to send before closing; undefined: close without a reply (Redis's query buffer limit). */
    readonly reply: string | undefined,
  ) {}
}

/** Bytes → latin1 text (one character per byte); Node adapters pass Buffer's latin1 decoding. */
export type Latin1Decoder = (bytes: Uint8Array, start: number, end: number) => ByteString;

export interface RespParserOptions {
  readonly limits?: Partial<RespLimits>;
  readonly decode?: Latin1Decoder;
  /** Whether the client still has to authenticate (tighter limits apply, as in Redis). */
  readonly authRequired?: () => boolean;
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const CHUNK_CHARS = 8192;
/** An idle parser gives back a buffer grown beyond this (after a large argument). */
const BUFFER_BYTES_KEPT = 64 * 1024;

function decodeLatin1(bytes: Uint8Array, start: number, end: number): ByteString {
  let out = '';
  for (let i = start; i < end; i += CHUNK_CHARS) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + CHUNK_CHARS)));
  }
  return out;
}

function protocolError(text: string): RespProtocolError {
  return new RespProtocolError('MERIDIAN_RESP_PROTOCOL', `ERR Protocol error: ${text}`);
}

/**
 * A streaming RESP request parser: push bytes as they arrive, take whole commands with `next()`.
 * Handles pipelined and partial frames and inline commands, with Redis's limits and error texts.
 */
export class RespParser {
  private buffer = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** Arguments still expected in the multibulk command being read (0: between commands). */
  private multibulkRemaining = 0;
  /** Length of the bulk string being read, or -1 before its `$` line. */
  private bulkBytes = -1;
  private args: ByteString[] = [];
  private failed: RespProtocolError | undefined;
  private readonly limits: RespLimits;
  private readonly decode: Latin1Decoder;
  private readonly authRequired: () => boolean;

  constructor(options: RespParserOptions = {}) {
    this.limits = { ...RESP_LIMITS_DEFAULT, ...options.limits };
    this.decode = options.decode ?? decodeLatin1;
    this.authRequired = options.authRequired ?? (() => false);
  }

  /** Unparsed bytes held (the query buffer). */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (this.failed !== undefined) return;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buffer.length > BUFFER_BYTES_KEPT && chunk.length <= BUFFER_BYTES_KEPT) {
        this.buffer = new Uint8Array(BUFFER_BYTES_KEPT);
      }
    }
    if (this.end + chunk.length > this.buffer.length) this.grow(chunk.length);
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next whole command, a protocol error (final), or undefined when more bytes are needed. */
  next(): ByteString[] | RespProtocolError | undefined {
    if (this.failed !== undefined) return this.failed;
    for (;;) {
      if (this.start === this.end && this.multibulkRemaining === 0) return this.checkQueryBuffer();
      const parsed = this.multibulkRemaining > 0 || this.buffer[this.start] === STAR ? this.multibulk() : this.inline();
      if (parsed instanceof RespProtocolError) {
        this.failed = parsed;
        return parsed;
      }
      if (parsed === undefined) return this.checkQueryBuffer();
      if (parsed.length > 0) return parsed;
    }
  }

  private checkQueryBuffer(): RespProtocolError | undefined {
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end - this.start <= this.limits.queryBufferBytesMax) return undefined;
    this.failed = new RespProtocolError('MERIDIAN_RESP_QUERY_BUFFER', undefined);
    return this.failed;
  }

  private grow(extra: number): void {
    const pending = this.end - this.start;
    const needed = pending + extra;
    if (needed <= this.buffer.length && this.start > 0) {
      this.buffer.copyWithin(0, this.start, this.end);
    } else {
      let size = this.buffer.length;
      while (size < needed) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.buffer.subarray(this.start, this.end));
      this.buffer = bigger;
    }
    this.start = 0;
    this.end = pending;
  }

  private indexOf(byte: number, from: number): number {
    const found = this.buffer.subarray(from, this.end).indexOf(byte);
    return found < 0 ? -1 : from + found;
  }

  private inline(): ByteString[] | RespProtocolError | undefined {
    const newline = this.indexOf(LF, this.start);
    if (newline < 0) {
      return this.end - this.start > this.limits.inlineBytesMax ? protocolError('too big inline request') : undefined;
    }
    const lineEnd = newline > this.start && this.buffer[newline - 1] === CR ? newline - 1 : newline;
    const line = this.decode(this.buffer, this.start, lineEnd);
    this.start = newline + 1;
    return splitInline(line) ?? protocolError('unbalanced quotes in request');
  }

  /** A decimal integer between `from` and `to`, as Redis's string2ll reads it; undefined if invalid. */
  private integer(from: number, to: number): number | undefined {
    const text = this.decode(this.buffer, from, to);
    if (!/^(0|-?[1-9][0-9]{0,18})$/.test(text)) return undefined;
    return Number(text);
  }

  /** The `\r`-terminated line from `start` (with its `\n`), or undefined when incomplete. */
  private countLine(tooBig: string): number | RespProtocolError | undefined {
    const cr = this.indexOf(CR, this.start);
    if (cr < 0) return this.end - this.start > this.limits.inlineBytesMax ? protocolError(tooBig) : undefined;
    return cr + 1 < this.end ? cr : undefined;
  }

  private multibulk(): ByteString[] | RespProtocolError | undefined {
    if (this.multibulkRemaining === 0) {
      const cr = this.countLine('too big mbulk count string');
      if (cr === undefined || cr instanceof RespProtocolError) return cr;
      const count = this.integer(this.start + 1, cr);
      if (count === undefined || count > this.limits.multibulkLengthMax)
        return protocolError('invalid multibulk length');
      if (count > this.limits.unauthenticatedMultibulkLengthMax && this.authRequired()) {
        return protocolError('unauthenticated multibulk length');
      }
      this.start = cr + 2;
      if (count <= 0) return [];
      this.multibulkRemaining = count;
      this.args = [];
    }
    while (this.multibulkRemaining > 0) {
      if (this.bulkBytes < 0) {
        const cr = this.countLine('too big bulk count string');
        if (cr === undefined || cr instanceof RespProtocolError) return cr;
        const marker = this.buffer[this.start] as number;
        if (marker !== DOLLAR) return protocolError(`expected '$', got '${String.fromCharCode(marker)}'`);
        const length = this.integer(this.start + 1, cr);
        if (length === undefined || length < 0 || length > this.limits.bulkBytesMax) {
          return protocolError('invalid bulk length');
        }
        if (length > this.limits.unauthenticatedBulkBytesMax && this.authRequired()) {
          return protocolError('unauthenticated bulk length');
        }
        this.start = cr + 2;
        this.bulkBytes = length;
      }
      if (this.end - this.start < this.bulkBytes + 2) {
        if (this.start + this.bulkBytes + 2 > this.buffer.length)
          this.grow(this.bulkBytes + 2 - (this.end - this.start));
        return undefined;
      }
      this.args.push(this.decode(this.buffer, this.start, this.start + this.bulkBytes));
      this.start += this.bulkBytes + 2;
      this.bulkBytes = -1;
      this.multibulkRemaining--;
    }
    const args = this.args;
    this.args = [];
    return args;
  }
}
