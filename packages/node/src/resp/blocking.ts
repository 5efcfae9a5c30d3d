import { type ByteString, parseFloatStrict, type Reply, ReplyError } from '@meridian/engine';
import type { KeyspaceChanges } from './changes.js';

export const ERR_TIMEOUT_RANGE = 'ERR timeout is not a float or out of range';
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';

/**
 * A blocking command as the non-blocking command that is tried (and, when it finds data, runs
 * and replicates as itself), the keys that wake it and how long it waits.
 */
export interface BlockingPlan {
  readonly keys: readonly ByteString[];
  /** 0: forever. */
  readonly timeoutMs: number;
  /** The non-blocking command to try; built per attempt (XREAD's `$` is fixed at the first one). */
  readonly attempt: readonly ByteString[];
  /** Turns the attempt's reply into the blocking command's; null: nothing yet, keep waiting. */
  readonly answer: (reply: Reply) => Reply | undefined;
}

function timeoutSeconds(text: ByteString | undefined): number | ReplyError {
  const seconds = text === undefined ? undefined : parseFloatStrict(text);
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return new ReplyError(ERR_TIMEOUT_RANGE);
  if (seconds < 0) return new ReplyError(ERR_TIMEOUT_NEGATIVE);
  return Math.round(seconds * 1000);
}

function lower(text: ByteString | undefined): string {
  return (text ?? '').toLowerCase();
}

const found = (reply: Reply): Reply | undefined => (reply === null ? undefined : reply);

function popPlan(argv: readonly ByteString[], pop: 'lmpop' | 'zmpop', side: string): BlockingPlan | ReplyError {
  const timeoutMs = timeoutSeconds(argv[argv.length - 1]);
  if (timeoutMs instanceof ReplyError) return timeoutMs;
  const keys = argv.slice(1, -1);
  const attempt = [pop, String(keys.length), ...keys, side];
  if (pop === 'lmpop') {
    const answer = (reply: Reply): Reply | undefined => {
      if (!Array.isArray(reply)) return found(reply);
      const values = reply[1] as readonly Reply[];
      return [reply[0] as Reply, values[0] as Reply];
    };
    return { keys, timeoutMs, attempt, answer };
  }
  const answer = (reply: Reply): Reply | undefined => {
    if (!Array.isArray(reply)) return found(reply);
    const pair = (reply[1] as readonly Reply[])[0] as readonly Reply[];
    return [reply[0] as Reply, pair[0] as Reply, pair[1] as Reply];
  };
  return { keys, timeoutMs, attempt, answer };
}

/** BLMPOP/BZMPOP timeout numkeys key… side [COUNT n] → LMPOP/ZMPOP numkeys key… side [COUNT n]. */
function multiPopPlan(argv: readonly ByteString[], pop: 'lmpop' | 'zmpop'): BlockingPlan | ReplyError {
  const timeoutMs = timeoutSeconds(argv[1]);
  if (timeoutMs instanceof ReplyError) return timeoutMs;
  const count = Number(argv[2]);
  const keys = Number.isInteger(count) && count > 0 ? argv.slice(3, 3 + count) : [];
  return { keys, timeoutMs, attempt: [pop, ...argv.slice(2)], answer: found };
}

/** BLMOVE src dst from to timeout → LMOVE; BRPOPLPUSH src dst timeout → RPOPLPUSH. */
function movePlan(argv: readonly ByteString[]): BlockingPlan | ReplyError {
  const timeoutMs = timeoutSeconds(argv[argv.length - 1]);
  if (timeoutMs instanceof ReplyError) return timeoutMs;
  const name = lower(argv[0]);
  const attempt = name === 'blmove' ? ['lmove', ...argv.slice(1, 5)] : ['rpoplpush', ...argv.slice(1, 3)];
  return { keys: [argv[1] as ByteString], timeoutMs, attempt, answer: found };
}

/** XREAD/XREADGROUP … BLOCK ms … STREAMS keys ids, without BLOCK; undefined when it has no BLOCK. */
export function streamPlan(
  argv: readonly ByteString[],
  lastIds: (keys: readonly ByteString[]) => ByteString[],
): BlockingPlan | ReplyError | undefined {
  const group = lower(argv[0]) === 'xreadgroup';
  const attempt: ByteString[] = [];
  let timeoutMs: number | undefined;
  let streams = -1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as ByteString;
    if (i >= (group ? 4 : 1) && streams < 0 && lower(arg) === 'block') {
      const ms = Number(argv[i + 1]);
      if (!/^\d+$/.test(argv[i + 1] ?? '')) return new ReplyError('ERR timeout is not an integer or out of range');
      timeoutMs = ms;
      i++;
      continue;
    }
    if (streams < 0 && lower(arg) === 'streams' && i >= (group ? 4 : 1)) streams = attempt.length;
    attempt.push(arg);
  }
  if (timeoutMs === undefined || streams < 0) return undefined;
  const rest = attempt.length - streams - 1;
  if (rest <= 0 || rest % 2 !== 0) return undefined;
  const keys = attempt.slice(streams + 1, streams + 1 + rest / 2);
  const ids = attempt.slice(streams + 1 + rest / 2);
  if (group && ids.some((id) => id !== '>')) return undefined;
  if (!group && ids.includes('$')) {
    const last = lastIds(keys);
    ids.forEach((id, i) => {
      if (id === '$') attempt[streams + 1 + rest / 2 + i] = last[i] ?? '0-0';
    });
  }
  return { keys, timeoutMs, attempt, answer: found };
}

/** The plan of a blocking list or sorted-set command, or undefined when `name` is not one. */
export function blockingPlan(argv: readonly ByteString[]): BlockingPlan | ReplyError | undefined {
  switch (lower(argv[0])) {
    case 'blpop':
      return popPlan(argv, 'lmpop', 'LEFT');
    case 'brpop':
      return popPlan(argv, 'lmpop', 'RIGHT');
    case 'bzpopmin':
      return popPlan(argv, 'zmpop', 'MIN');
    case 'bzpopmax':
      return popPlan(argv, 'zmpop', 'MAX');
    case 'blmpop':
      return multiPopPlan(argv, 'lmpop');
    case 'bzmpop':
      return multiPopPlan(argv, 'zmpop');
    case 'blmove':
    case 'brpoplpush':
      return movePlan(argv);
    default:
      return undefined;
  }
}

interface Waiter {
  readonly keys: ReadonlySet<ByteString>;
  /** Tries again; resolves true when the waiter was served (or gave up) and leaves the queue. */
  readonly retry: () => Promise<boolean> | boolean;
}

/**
 * Connections blocked on keys, in the order they blocked. A change to one of their keys retries
 * them one at a time in that order, so the first blocked client is served first (as Redis does).
 */
export class BlockedClients {
  private readonly waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  private pending: Set<ByteString> | 'all' | undefined;

  constructor(
    changes: KeyspaceChanges,
    private readonly waitersMax: number,
  ) {
    changes.listen((keys) => this.changed(keys));
  }

  get size(): number {
    return this.waiters.length;
  }

  /** false: too many blocked clients. */
  add(waiter: Waiter): boolean {
    if (this.waiters.length >= this.waitersMax) return false;
    this.waiters.push(waiter);
    return true;
  }

  remove(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private changed(keys: readonly ByteString[] | undefined): void {
    if (this.waiters.length === 0) return;
    if (keys === undefined || this.pending === 'all') this.pending = 'all';
    else {
      this.pending ??= new Set();
      for (const key of keys) this.pending.add(key);
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const changed = this.pending;
      this.pending = undefined;
      for (const waiter of [...this.waiters]) {
        if (!this.waiters.includes(waiter)) continue;
        if (changed !== 'all' && ![...waiter.keys].some((key) => changed.has(key))) continue;
        if (await waiter.retry()) this.remove(waiter);
      }
    }
  }
}
