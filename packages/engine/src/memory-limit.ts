import type { ByteString } from './bytes.js';
import type { CommandInfo } from './command.js';
import type { ExecContext } from './context.js';

/** Redis's maxmemory-policy values Meridian supports (LFU policies are not offered). */
export const MAX_MEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'volatile-lru',
  'allkeys-random',
  'volatile-ttl',
] as const;
export type MaxMemoryPolicy = (typeof MAX_MEMORY_POLICIES)[number];

/** Redis's reply to a denyoom command over maxmemory, verbatim. */
export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** A baseline like Redis's used_memory_startup, so an empty dataset does not report 0 bytes. */
export const STARTUP_MEMORY_BYTES = 1 << 20;

export interface MemoryLimit {
  /** 0: no limit (Redis's maxmemory 0). */
  readonly maxMemoryBytes: number;
  readonly policy: MaxMemoryPolicy;
}

/** Keys sampled per eviction (Redis's maxmemory-samples default). */
const EVICTION_SAMPLES = 5;
/** Bound on the keys one command may evict before it is refused with OOM instead. */
const KEYS_EVICTED_PER_COMMAND_MAX = 100_000;

/** INFO's used_memory: the startup baseline plus every key's incremental estimate. */
export function usedMemoryBytes(ctx: ExecContext): number {
  return STARTUP_MEMORY_BYTES + ctx.db.data.usedBytes;
}

/**
 * Bytes the command will add for sure, charged before it runs so that no single request makes the
 * node allocate past its limit: a string grown to an offset (SETRANGE, SETBIT, BITFIELD) is
 * charged its new length, anything else the bytes of its arguments.
 */
export function growthBytes(ctx: ExecContext, info: CommandInfo, argv: readonly ByteString[]): number {
  switch (info.name) {
    case 'setrange': {
      const offset = Number(argv[2]);
      const length = (argv[3] ?? '').length;
      if (!Number.isFinite(offset) || length === 0) return 0;
      return Math.max(0, offset + length - currentLength(ctx, argv[1]));
    }
    case 'setbit': {
      const offset = Number(argv[2]);
      return Number.isFinite(offset) ? Math.max(0, Math.floor(offset / 8) + 1 - currentLength(ctx, argv[1])) : 0;
    }
    case 'bitfield':
      return Math.max(0, bitfieldLength(argv) - currentLength(ctx, argv[1]));
    default: {
      let bytes = 0;
      for (let i = 1; i < argv.length; i++) bytes += (argv[i] as ByteString).length;
      return bytes;
    }
  }
}

function currentLength(ctx: ExecContext, key: ByteString | undefined): number {
  const value = key === undefined ? undefined : ctx.db.data.peek(key);
  return typeof value === 'string' ? value.length : 0;
}

/** The string length BITFIELD's SET/INCRBY operations need (0 when they cannot be read). */
function bitfieldLength(argv: readonly ByteString[]): number {
  let bytes = 0;
  for (let i = 2; i < argv.length;) {
    const op = (argv[i] as ByteString).toLowerCase();
    if (op === 'overflow') {
      i += 2;
      continue;
    }
    const type = argv[i + 1] ?? '';
    const offsetText = argv[i + 2] ?? '';
    const bits = Number(type.slice(1));
    const hashed = offsetText.startsWith('#');
    const offset = Number(hashed ? offsetText.slice(1) : offsetText) * (hashed ? bits : 1);
    if (Number.isFinite(offset) && Number.isFinite(bits) && offset >= 0) {
      bytes = Math.max(bytes, Math.ceil((offset + bits) / 8));
    }
    i += op === 'get' ? 3 : 4;
  }
  return bytes;
}

/** Whether `info` is one of Redis's denyoom commands (refused over maxmemory). */
export function isDenyOom(info: CommandInfo, argv: readonly ByteString[]): boolean {
  return info.isDenyOom || (info.denyoomIf?.(argv) ?? false);
}

/**
 * Redis's maxmemory check before a command: with an eviction policy, keys are evicted (each one
 * propagated as a DEL) until the command fits; if it still does not and it is a denyoom command,
 * it is refused. Only the primary enforces (replicas follow the primary's DELs, as Redis's
 * replica-ignore-maxmemory does). Returns true when the command may run.
 */
export function admitCommand(
  ctx: ExecContext,
  limit: MemoryLimit,
  info: CommandInfo,
  argv: readonly ByteString[],
): boolean {
  if (limit.maxMemoryBytes <= 0 || ctx.applying || ctx.role !== 'primary') return true;
  const denyoom = isDenyOom(info, argv);
  const growth = denyoom ? growthBytes(ctx, info, argv) : 0;
  if (usedMemoryBytes(ctx) + growth <= limit.maxMemoryBytes) return true;
  if (!info.isWrite) return true; // reads never evict (their effects are not always logged)
  evict(ctx, limit, growth);
  return !denyoom || usedMemoryBytes(ctx) + growth <= limit.maxMemoryBytes;
}

function evict(ctx: ExecContext, limit: MemoryLimit, growth: number): void {
  if (limit.policy === 'noeviction') return;
  for (let evicted = 0; evicted < KEYS_EVICTED_PER_COMMAND_MAX; evicted++) {
    if (usedMemoryBytes(ctx) + growth <= limit.maxMemoryBytes) return;
    const victim = pickVictim(ctx, limit.policy);
    if (victim === undefined) return;
    ctx.deleteKey(victim);
    ctx.stats.evictedKeys++;
    ctx.propagate(['DEL', victim]);
  }
}

function pickVictim(ctx: ExecContext, policy: MaxMemoryPolicy): ByteString | undefined {
  const data = ctx.db.data;
  if (policy === 'allkeys-random') return data.randomKey(ctx.random);
  let best: ByteString | undefined;
  let bestScore = Infinity;
  const consider = (key: ByteString, score: number): void => {
    if (score < bestScore) {
      best = key;
      bestScore = score;
    }
  };
  if (policy === 'allkeys-lru') {
    for (let i = 0; i < EVICTION_SAMPLES; i++) {
      const key = data.randomKey(ctx.random);
      if (key !== undefined) consider(key, data.accessTickOf(key) ?? 0);
    }
    return best;
  }
  // volatile-*: candidates among keys with a TTL, from a cursor that goes round the expiry table.
  for (const [key, atMs] of ctx.db.volatileSample(EVICTION_SAMPLES)) {
    consider(key, policy === 'volatile-ttl' ? atMs : (data.accessTickOf(key) ?? 0));
  }
  return best;
}
