import type { ByteString } from '../../bytes.js';
import { CommandError } from '../../reply.js';
import { type Hash64, murmurHash64A } from './murmur.js';

/**
 * Redis's HyperLogLog (hyperloglog.c), byte for byte: a 16-byte header (`HYLL`, encoding, three
 * unused bytes, the cached cardinality as 8 little-endian bytes whose top bit marks it stale) and
 * either the sparse opcodes (ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx) or 16384 dense
 * 6-bit registers.
 */
export const HLL_HEADER_BYTES = 16;
const P = 14;
const Q = 64 - P;
export const REGISTERS = 1 << P;
const REGISTER_MAX = 63;
export const DENSE_BYTES = HLL_HEADER_BYTES + Math.floor((REGISTERS * 6 + 7) / 8);
const ENCODING_DENSE = 0;
const ENCODING_SPARSE = 1;
const SPARSE_VALUE_MAX = 32;
const SPARSE_VALUE_RUN_MAX = 4;
const SPARSE_ZERO_RUN_MAX = 64;
const SPARSE_XZERO_RUN_MAX = 16384;
/** Redis's hll-sparse-max-bytes default: past it a sparse HLL becomes dense. */
const SPARSE_BYTES_MAX = 3000;
const ALPHA_INF = 0.72134752044448170368;

export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const ERR_CORRUPT_HLL = 'INVALIDOBJ Corrupted HLL object detected';

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXZero = (op: number): boolean => (op & 0xc0) === 0x40;
const zeroRun = (op: number): number => (op & 0x3f) + 1;
const xzeroRun = (op: number, next: number): number => (((op & 0x3f) << 8) | next) + 1;
const valueOf = (op: number): number => ((op >> 2) & 0x1f) + 1;
const valueRun = (op: number): number => (op & 3) + 1;
const valueOp = (value: number, run: number): number => (((value - 1) << 2) | (run - 1) | 0x80) & 0xff;

/** A HyperLogLog being read or changed by one command: the string's bytes, with room to grow. */
export class Hll {
  /** One spare byte past `length`: the dense register macros read and write one byte beyond (Redis's sds NUL). */
  bytes: Uint8Array;
  length: number;

  private constructor(bytes: Uint8Array, length: number) {
    this.bytes = bytes;
    this.length = length;
  }

  /** An empty sparse HLL, as createHLLObject makes it (cached cardinality 0, valid). */
  static empty(): Hll {
    const hll = new Hll(new Uint8Array(64), HLL_HEADER_BYTES + 2);
    hll.bytes.set([0x48, 0x59, 0x4c, 0x4c, ENCODING_SPARSE]);
    const run = SPARSE_XZERO_RUN_MAX - 1;
    hll.bytes[HLL_HEADER_BYTES] = (run >> 8) | 0x40;
    hll.bytes[HLL_HEADER_BYTES + 1] = run & 0xff;
    return hll;
  }

  /** Reads a string value; throws Redis's WRONGTYPE text when it is not a HyperLogLog. */
  static parse(value: ByteString): Hll {
    const length = value.length;
    if (length < HLL_HEADER_BYTES || value.slice(0, 4) !== 'HYLL') throw new CommandError(ERR_NOT_HLL);
    const encoding = value.charCodeAt(4);
    if (encoding > ENCODING_SPARSE) throw new CommandError(ERR_NOT_HLL);
    if (encoding === ENCODING_DENSE && length !== DENSE_BYTES) throw new CommandError(ERR_NOT_HLL);
    const bytes = new Uint8Array(Math.max(length + 8, 64));
    for (let i = 0; i < length; i++) bytes[i] = value.charCodeAt(i);
    return new Hll(bytes, length);
  }

  get isDense(): boolean {
    return this.bytes[4] === ENCODING_DENSE;
  }

  toByteString(): ByteString {
    let text = '';
    const chunk = 8192;
    for (let i = 0; i < this.length; i += chunk) {
      text += String.fromCharCode(...this.bytes.subarray(i, Math.min(i + chunk, this.length)));
    }
    return text;
  }

  get cacheValid(): boolean {
    return ((this.bytes[15] as number) & 0x80) === 0;
  }

  invalidateCache(): void {
    this.bytes[15] = (this.bytes[15] as number) | 0x80;
  }

  get cachedCardinality(): number {
    let card = 0;
    for (let i = 7; i >= 0; i--) card = card * 256 + (this.bytes[8 + i] as number);
    return card;
  }

  set cachedCardinality(card: number) {
    let rest = card;
    for (let i = 0; i < 8; i++) {
      this.bytes[8 + i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }

  /** Adds one element; true when a register changed. Throws INVALIDOBJ for a corrupt sparse HLL. */
  add(element: ByteString): boolean {
    const { index, count } = patternOf(element);
    return this.isDense ? denseSet(this.bytes, index, count) : this.sparseSet(index, count);
  }

  /** Raises register `index` to at least `count` (sparse or dense); true when it changed. */
  set(index: number, count: number): boolean {
    return this.isDense ? denseSet(this.bytes, index, count) : this.sparseSet(index, count);
  }

  /** Raises each of `max`'s registers to at least the value this HLL holds. */
  mergeInto(max: Uint8Array): void {
    if (this.isDense) {
      for (let i = 0; i < REGISTERS; i++) {
        const value = denseGet(this.bytes, i);
        if (value > (max[i] as number)) max[i] = value;
      }
      return;
    }
    let index = 0;
    this.walkSparse((op, run) => {
      if (index + run > REGISTERS) return false;
      if (op & 0x80) {
        const value = valueOf(op);
        for (let i = 0; i < run; i++, index++) if (value > (max[index] as number)) max[index] = value;
      } else {
        index += run;
      }
      return true;
    });
    if (index !== REGISTERS) throw new CommandError(ERR_CORRUPT_HLL);
  }

  /** The estimated cardinality (Ertl's estimator, as Redis 5+ computes it). */
  count(): number {
    const histogram = new Float64Array(64);
    if (this.isDense) {
      for (let i = 0; i < REGISTERS; i++) {
        const value = denseGet(this.bytes, i);
        histogram[value] = (histogram[value] as number) + 1;
      }
    } else {
      let index = 0;
      this.walkSparse((op, run) => {
        index += run;
        const value = op & 0x80 ? valueOf(op) : 0;
        histogram[value] = (histogram[value] as number) + run;
        return true;
      });
      if (index !== REGISTERS) throw new CommandError(ERR_CORRUPT_HLL);
    }
    return estimate(histogram);
  }

  /** Converts to the dense encoding (a no-op when dense); keeps the header's cached cardinality. */
  toDense(): void {
    if (this.isDense) return;
    const dense = new Uint8Array(DENSE_BYTES + 1);
    dense.set(this.bytes.subarray(0, HLL_HEADER_BYTES));
    dense[4] = ENCODING_DENSE;
    let index = 0;
    this.walkSparse((op, run) => {
      if (op & 0x80) {
        if (index + run > REGISTERS) return false;
        const value = valueOf(op);
        for (let i = 0; i < run; i++) denseSet(dense, index + i, value);
      }
      index += run;
      return true;
    });
    if (index !== REGISTERS) throw new CommandError(ERR_CORRUPT_HLL);
    this.bytes = dense;
    this.length = DENSE_BYTES;
  }

  /** Visits each sparse opcode with its run length; stops when `visit` answers false. */
  private walkSparse(visit: (op: number, run: number) => boolean): void {
    const bytes = this.bytes;
    for (let p = HLL_HEADER_BYTES; p < this.length;) {
      const op = bytes[p] as number;
      let run: number;
      if (isZero(op)) {
        run = zeroRun(op);
        p++;
      } else if (isXZero(op)) {
        run = xzeroRun(op, bytes[p + 1] as number);
        p += 2;
      } else {
        run = valueRun(op);
        p++;
      }
      if (!visit(op, run)) return;
    }
  }

  private ensureRoom(extra: number): void {
    if (this.length + extra + 1 <= this.bytes.length) return;
    const grown = new Uint8Array((this.length + extra + 1) * 2);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** hllSparseSet: updates in place, splitting an opcode, merging neighbours; promotes when needed. */
  private sparseSet(index: number, count: number): boolean {
    if (count > SPARSE_VALUE_MAX) return this.promoteAndSet(index, count);
    this.ensureRoom(3);
    const bytes = this.bytes;
    let end = this.length;
    let p = HLL_HEADER_BYTES;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = bytes[p] as number;
      let opLength = 1;
      if (isZero(op)) span = zeroRun(op);
      else if (op & 0x80) span = valueRun(op);
      else {
        span = xzeroRun(op, bytes[p + 1] as number);
        opLength = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += opLength;
      first += span;
    }
    if (span === 0 || p >= end) throw new CommandError(ERR_CORRUPT_HLL);
    const op = bytes[p] as number;
    const opIsXZero = isXZero(op);
    const opIsZero = isZero(op);
    let next = opIsXZero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const run = opIsZero ? zeroRun(op) : opIsXZero ? xzeroRun(op, bytes[p + 1] as number) : valueRun(op);
    let updatedInPlace = false;
    if (!opIsZero && !opIsXZero) {
      if (valueOf(op) >= count) return false;
      if (run === 1) {
        bytes[p] = valueOp(count, 1);
        updatedInPlace = true;
      }
    }
    if (!updatedInPlace && opIsZero && run === 1) {
      bytes[p] = valueOp(count, 1);
      updatedInPlace = true;
    }
    if (!updatedInPlace) {
      const sequence: number[] = [];
      const last = first + span - 1;
      if (opIsZero || opIsXZero) {
        if (index !== first) pushZeroRun(sequence, index - first);
        sequence.push(valueOp(count, 1));
        if (index !== last) pushZeroRun(sequence, last - index);
      } else {
        const current = valueOf(op);
        if (index !== first) sequence.push(valueOp(current, index - first));
        sequence.push(valueOp(count, 1));
        if (index !== last) sequence.push(valueOp(current, last - index));
      }
      const delta = sequence.length - (opIsXZero ? 2 : 1);
      if (delta > 0 && this.length + delta > SPARSE_BYTES_MAX) return this.promoteAndSet(index, count);
      if (delta !== 0 && next >= 0) bytes.copyWithin(next + delta, next, end);
      this.length += delta;
      for (let i = 0; i < sequence.length; i++) bytes[p + i] = sequence[i] as number;
      end += delta;
    }
    this.mergeNeighbours(prev >= 0 ? prev : HLL_HEADER_BYTES, end);
    this.invalidateCache();
    return true;
  }

  /** Step 4 of hllSparseSet: merges adjacent VAL opcodes of equal value, scanning up to 5 opcodes. */
  private mergeNeighbours(start: number, endAtStart: number): void {
    const bytes = this.bytes;
    let end = endAtStart;
    let p = start;
    let scans = 5;
    while (p < end && scans-- > 0) {
      const op = bytes[p] as number;
      if (isXZero(op)) {
        p += 2;
        continue;
      }
      if (isZero(op)) {
        p++;
        continue;
      }
      const right = bytes[p + 1] as number;
      if (p + 1 < end && right & 0x80 && valueOf(op) === valueOf(right)) {
        const run = valueRun(op) + valueRun(right);
        if (run <= SPARSE_VALUE_RUN_MAX) {
          bytes[p + 1] = valueOp(valueOf(op), run);
          bytes.copyWithin(p, p + 1, end);
          this.length--;
          end--;
          continue;
        }
      }
      p++;
    }
  }

  private promoteAndSet(index: number, count: number): boolean {
    this.toDense();
    denseSet(this.bytes, index, count);
    return true;
  }
}

function pushZeroRun(sequence: number[], run: number): void {
  if (run > SPARSE_ZERO_RUN_MAX) {
    const value = run - 1;
    sequence.push((value >> 8) | 0x40, value & 0xff);
  } else {
    sequence.push(run - 1);
  }
}

function denseGet(bytes: Uint8Array, register: number): number {
  const byte = (register * 6) >> 3;
  const bit = (register * 6) & 7;
  return (
    (((bytes[HLL_HEADER_BYTES + byte] as number) >> bit) |
      ((bytes[HLL_HEADER_BYTES + byte + 1] as number) << (8 - bit))) &
    REGISTER_MAX
  );
}

function denseSet(bytes: Uint8Array, register: number, value: number): boolean {
  if (denseGet(bytes, register) >= value) return false;
  const at = HLL_HEADER_BYTES + ((register * 6) >> 3);
  const bit = (register * 6) & 7;
  bytes[at] = ((bytes[at] as number) & ~(REGISTER_MAX << bit)) | (value << bit);
  bytes[at + 1] = ((bytes[at + 1] as number) & ~(REGISTER_MAX >> (8 - bit))) | (value >> (8 - bit));
  return true;
}

const hashScratch: Hash64 = { high: 0, low: 0 };

/** hllPatLen: the register an element falls into and the length of its 000…1 pattern. */
function patternOf(element: ByteString): { index: number; count: number } {
  const { high, low } = murmurHash64A(element, hashScratch);
  const index = low & (REGISTERS - 1);
  const lowRest = low >>> P;
  let count: number;
  if (lowRest !== 0) count = 31 - Math.clz32(lowRest & -lowRest) + 1;
  else if (high !== 0) count = 32 - P + (31 - Math.clz32(high & -high)) + 1;
  else count = Q + 1;
  return { index, count };
}

function sigma(xStart: number): number {
  if (xStart === 1) return Infinity;
  let x = xStart;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(xStart: number): number {
  if (xStart === 0 || xStart === 1) return 0;
  let x = xStart;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (previous !== z);
  return z / 3;
}

function estimate(histogram: Float64Array): number {
  const m = REGISTERS;
  let z = m * tau((m - (histogram[Q + 1] as number)) / m);
  for (let j = Q; j >= 1; j--) {
    z += histogram[j] as number;
    z *= 0.5;
  }
  z += m * sigma((histogram[0] as number) / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** A fresh register array for PFCOUNT's and PFMERGE's unions. */
export function emptyRegisters(): Uint8Array {
  return new Uint8Array(REGISTERS);
}

/** The cardinality of a union of registers (PFCOUNT with several keys: Redis's HLL_RAW path). */
export function countRegisters(registers: Uint8Array): number {
  const histogram = new Float64Array(64);
  for (let i = 0; i < REGISTERS; i++) {
    const value = registers[i] as number;
    histogram[value] = (histogram[value] as number) + 1;
  }
  return estimate(histogram);
}
