import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { parseBitOffset } from './bits.js';
import { integerReply } from './counter.js';
import {
  checkStringLength,
  growZero,
  overwriteBytes,
  readString,
  requireBigInt,
  writableString,
} from './string-access.js';

type Overflow = 'wrap' | 'sat' | 'fail';

interface BitfieldOp {
  readonly kind: 'get' | 'set' | 'incrby';
  readonly signed: boolean;
  readonly bits: number;
  readonly offset: number;
  /** The SET value or INCRBY increment. */
  readonly amount: bigint;
  readonly overflow: Overflow;
}

const ERR_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** i1..i64 or u1..u63; the width text ends at a NUL byte, as Redis reads it with strlen. */
function parseType(text: ByteString): { signed: boolean; bits: number } {
  const sign = text.charAt(0).toLowerCase();
  if (sign !== 'i' && sign !== 'u') throw new CommandError(ERR_TYPE);
  const nul = text.indexOf('\0', 1);
  const bits = parseBigInt64(text.slice(1, nul < 0 ? undefined : nul));
  const signed = sign === 'i';
  if (bits === null || bits < 1n || bits > (signed ? 64n : 63n)) throw new CommandError(ERR_TYPE);
  return { signed, bits: Number(bits) };
}

function parseOverflow(text: ByteString): Overflow {
  const overflow = text.toLowerCase();
  if (overflow === 'wrap' || overflow === 'sat' || overflow === 'fail') return overflow;
  throw new CommandError('ERR Invalid OVERFLOW type specified');
}

/** Parses every subcommand first, as Redis does, so a late error leaves the key untouched. */
function parseOps(argv: readonly ByteString[]): BitfieldOp[] {
  const ops: BitfieldOp[] = [];
  let overflow: Overflow = 'wrap';
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const name = (argv[j] as ByteString).toLowerCase();
    if (name === 'overflow' && remaining >= 1) {
      overflow = parseOverflow(argv[++j] as ByteString);
      continue;
    }
    const kind =
      name === 'get' && remaining >= 2
        ? 'get'
        : (name === 'set' || name === 'incrby') && remaining >= 3
          ? name
          : undefined;
    if (kind === undefined) throw new CommandError(ERR_SYNTAX);
    const { signed, bits } = parseType(argv[j + 1] as ByteString);
    const offset = parseBitOffset(argv[j + 2] as ByteString, bits);
    const amount = kind === 'get' ? 0n : requireBigInt(argv[j + 3] as ByteString);
    ops.push({ kind, signed, bits, offset, amount, overflow });
    j += kind === 'get' ? 2 : 3;
  }
  return ops;
}

/** The 72-bit window of 9 bytes from `byteIndex` (zeros past the end), so any field fits in it. */
function readWindow(value: ByteString, byteIndex: number): bigint {
  let window = 0n;
  for (let i = 0; i < 9; i++) {
    const index = byteIndex + i;
    window = (window << 8n) | BigInt(index < value.length ? value.charCodeAt(index) : 0);
  }
  return window;
}

function fieldShift(op: BitfieldOp): bigint {
  return BigInt(72 - (op.offset % 8) - op.bits);
}

function readField(value: ByteString, op: BitfieldOp): bigint {
  const raw = (readWindow(value, Math.floor(op.offset / 8)) >> fieldShift(op)) & ((1n << BigInt(op.bits)) - 1n);
  return op.signed ? BigInt.asIntN(op.bits, raw) : raw;
}

/** Writes a field into a string already long enough to hold it. */
function writeField(value: ByteString, op: BitfieldOp, field: bigint): ByteString {
  const firstByte = Math.floor(op.offset / 8);
  const lastByte = Math.floor((op.offset + op.bits - 1) / 8);
  const mask = ((1n << BigInt(op.bits)) - 1n) << fieldShift(op);
  const window = (readWindow(value, firstByte) & ~mask) | (BigInt.asUintN(op.bits, field) << fieldShift(op));
  let bytes = '';
  for (let i = 0; i <= lastByte - firstByte; i++)
    bytes += String.fromCharCode(Number((window >> BigInt(64 - 8 * i)) & 0xffn));
  return overwriteBytes(value, firstByte, bytes);
}

/**
 * Redis's checkSignedBitfieldOverflow, including its int64 wrap-around: SET of a value within 2^bits
 * of INT64_MIN counts as an overflow upwards (so SAT stores the maximum).
 */
function signedDirection(value: bigint, increment: bigint, bits: number): 1 | -1 | 0 {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncrement = BigInt.asIntN(64, max - value);
  const minIncrement = BigInt.asIntN(64, min - value);
  const partial = bits !== 64;
  if (
    value > max ||
    (partial && increment > maxIncrement) ||
    (value >= 0n && increment > 0n && increment > maxIncrement)
  ) {
    return 1;
  }
  if (
    value < min ||
    (partial && increment < minIncrement) ||
    (value < 0n && increment < 0n && increment < minIncrement)
  ) {
    return -1;
  }
  return 0;
}

/** Redis's checkUnsignedBitfieldOverflow; `value` is C's uint64 view of the operand. */
function unsignedDirection(value: bigint, increment: bigint, bits: number): 1 | -1 | 0 {
  const max = (1n << BigInt(bits)) - 1n;
  if (value > max || (increment > 0n && increment > BigInt.asIntN(64, max - value))) return 1;
  if (increment < 0n && increment < BigInt.asIntN(64, -value)) return -1;
  return 0;
}

/** The field value for `value + increment` under the op's OVERFLOW mode, or null for FAIL. */
function fitField(op: BitfieldOp, value: bigint, increment: bigint): bigint | null {
  const direction = op.signed
    ? signedDirection(value, increment, op.bits)
    : unsignedDirection(value, increment, op.bits);
  if (direction === 0) return value + increment;
  if (op.overflow === 'fail') return null;
  if (op.overflow === 'sat') {
    if (op.signed) return direction > 0 ? (1n << BigInt(op.bits - 1)) - 1n : -(1n << BigInt(op.bits - 1));
    return direction > 0 ? (1n << BigInt(op.bits)) - 1n : 0n;
  }
  return op.signed ? BigInt.asIntN(op.bits, value + increment) : BigInt.asUintN(op.bits, value + increment);
}

function runWrites(value: ByteString, ops: readonly BitfieldOp[]): { value: ByteString; replies: Reply[] } {
  const replies: Reply[] = [];
  for (const op of ops) {
    const old = readField(value, op);
    if (op.kind === 'get') {
      replies.push(integerReply(old));
      continue;
    }
    // An unsigned SET takes its value as C's uint64 does: -1 is 2^64 - 1, too large for any width.
    const field =
      op.kind === 'incrby'
        ? fitField(op, old, op.amount)
        : fitField(op, op.signed ? op.amount : BigInt.asUintN(64, op.amount), 0n);
    if (field === null) {
      replies.push(null);
      continue;
    }
    value = writeField(value, op, field);
    replies.push(integerReply(op.kind === 'incrby' ? field : old));
  }
  return { value, replies };
}

/**
 * BITFIELD and BITFIELD_RO. Only GETs: a read. Otherwise the string first grows to the farthest
 * bit written (even if every write then fails with OVERFLOW FAIL), and the command is replicated
 * as it is.
 */
export function bitfieldCommand(ctx: ExecContext, argv: readonly ByteString[], readOnly: boolean): Reply {
  const key = argv[1] as ByteString;
  const ops = parseOps(argv);
  const writes = ops.filter((op) => op.kind !== 'get');
  if (writes.length === 0) {
    const value = readString(ctx, key) ?? '';
    return ops.map((op) => integerReply(readField(value, op)));
  }
  if (readOnly) throw new CommandError('ERR BITFIELD_RO only supports the GET subcommand');
  const highestBit = writes.reduce((highest, op) => Math.max(highest, op.offset + op.bits - 1), 0);
  const current = writableString(ctx, key);
  checkStringLength(ctx, Math.floor(highestBit / 8) + 1);
  const result = runWrites(growZero(current ?? '', Math.floor(highestBit / 8) + 1), ops);
  if (current === undefined) ctx.addKey(key, result.value);
  else ctx.setKey(key, result.value, true);
  ctx.propagateAsIs();
  return result.replies;
}
