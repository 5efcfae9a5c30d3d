import { assert } from '@meridian/engine';
import type { SeededRandom } from '@meridian/lag';
import { type Consistency, parseConsistency } from '@meridian/core';
import type { WorkloadOptions } from '../options.js';

/**
 * Per key, the newest offset a client has of something (a Map has this shape). The workload's are
 * dense arrays when the key space allows it: reads look two of them up and update one each time.
 */
export interface KeyOffsets {
  get(key: number): number | undefined;
  set(key: number, offset: number): unknown;
}

/** Keys × clients up to which the workload keeps each client's offsets in arrays (8 bytes each, two per client). */
const DENSE_OFFSETS_MAX = 1 << 20;

/**
 * A KeyOffsets over keys 0 … n - 1 in a typed array (offset 0, none, reads as undefined): its part,
 * from `start`, of one array every client's share (one array for all of them costs a run ~0.03 ms;
 * one each, 80 of 8 KB, cost ~2 ms).
 */
class DenseKeyOffsets implements KeyOffsets {
  constructor(
    private readonly offsets: Float64Array,
    private readonly start: number,
  ) {}

  get(key: number): number | undefined {
    const offset = this.offsets[this.start + key];
    return offset === 0 ? undefined : offset;
  }

  set(key: number, offset: number): this {
    this.offsets[this.start + key] = offset;
    return this;
  }
}

export interface SimClient {
  readonly id: number;
  readonly region: string;
  readonly consistency: Consistency;
  /** The level as written in the options (`bounded=250`), the key of its figures. */
  readonly level: string;
  /** The newest sync token (log offset) this client has seen. */
  token: number;
  /** Per key: offset of this client's newest acknowledged write. */
  readonly ownWrites: KeyOffsets;
  /** Per key: newest version this client's completed reads returned. */
  readonly observed: KeyOffsets;
}

/** Picks clients, keys and values for the open-loop workload, from its own random streams. */
export class Workload {
  readonly clients: SimClient[] = [];
  readonly keys: string[];
  private readonly clientCdf: Float64Array;
  private readonly keyCdf: Float64Array | undefined;
  /** Where the search for a key starts, per slice of [0, 1) (see guideOf). */
  private readonly keyGuide: Int32Array | undefined;
  private readonly padding: string;

  constructor(
    private readonly options: WorkloadOptions,
    regionNames: readonly string[],
    private readonly random: { clients: SeededRandom; keys: SeededRandom; values: SeededRandom },
  ) {
    const weights: number[] = [];
    const dense = regionNames.length * options.clientsPerRegion * options.keyCount <= DENSE_OFFSETS_MAX;
    // Two per client (its own writes, what it observed), side by side in one array.
    const denseOffsets = new Float64Array(
      dense ? 2 * regionNames.length * options.clientsPerRegion * options.keyCount : 0,
    );
    let denseUsed = 0;
    const keyOffsets = (): KeyOffsets => {
      if (!dense) return new Map<number, number>();
      const offsets = new DenseKeyOffsets(denseOffsets, denseUsed);
      denseUsed += options.keyCount;
      return offsets;
    };
    for (const region of regionNames) {
      const levels = apportion(options.consistencyMix, options.clientsPerRegion);
      const weight = options.regionWeights[region] ?? 1;
      for (const level of levels) {
        const consistency = parseConsistency(level);
        assert(consistency !== undefined, `bad consistency level ${level}`);
        this.clients.push({
          id: this.clients.length,
          region,
          consistency,
          level,
          token: 0,
          ownWrites: keyOffsets(),
          observed: keyOffsets(),
        });
        weights.push(weight);
      }
    }
    this.clientCdf = cumulative(weights);
    this.keys = Array.from({ length: options.keyCount }, (_, i) => `k${i}`);
    const popularity = options.keyPopularity;
    this.keyCdf =
      popularity.kind === 'zipf' ? cumulative(zipfWeights(options.keyCount, popularity.exponent)) : undefined;
    this.keyGuide = this.keyCdf === undefined ? undefined : guideOf(this.keyCdf);
    this.padding = 'x'.repeat(options.valueBytesMax);
  }

  nextClient(): SimClient {
    return this.clientAt(this.random.clients.next());
  }

  /** The client at `u` in [0, 1) of the clients' weighted distribution. */
  clientAt(u: number): SimClient {
    return this.clients[pick(this.clientCdf, u)] as SimClient;
  }

  nextKey(): number {
    const u = this.random.keys.next();
    return this.keyCdf === undefined
      ? Math.floor(u * this.options.keyCount)
      : pickGuided(this.keyCdf, this.keyGuide as Int32Array, u);
  }

  /** A value carrying the write's id (so a read tells which write it saw), padded to a random size. */
  valueFor(writeId: number): string {
    const { valueBytesMin, valueBytesMax } = this.options;
    const size = valueBytesMin + Math.floor(this.random.values.next() * (valueBytesMax - valueBytesMin + 1));
    const head = `${writeId.toString(36)}:`;
    return head + this.padding.slice(0, Math.max(0, size - head.length));
  }
}

/**
 * The write id a value carries (base 36, lower case, before the first `:`), or -1 for a value the
 * workload did not write. Read digit by digit: it runs for every read the simulator checks.
 */
export function writeIdOf(value: unknown): number {
  if (typeof value !== 'string') return -1;
  let id = 0;
  let i = 0;
  for (; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) id = id * 36 + (code - 0x30);
    else if (code >= 0x61 && code <= 0x7a) id = id * 36 + (code - 0x61 + 10);
    else break;
  }
  return i > 0 && value.charCodeAt(i) === 0x3a ? id : -1;
}

/** Splits `count` clients over the levels by share (largest remainder, ties by name order). */
export function apportion(mix: Record<string, number>, count: number): string[] {
  const entries = Object.entries(mix).filter(([, share]) => share > 0);
  const total = entries.reduce((sum, [, share]) => sum + share, 0);
  const quotas = entries.map(([level, share]) => ({ level, exact: (share / total) * count }));
  const counts = quotas.map((q) => Math.floor(q.exact));
  let left = count - counts.reduce((a, b) => a + b, 0);
  const order = quotas
    .map((q, i) => ({ i, rest: q.exact - Math.floor(q.exact) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i] = (counts[i] as number) + 1;
  }
  return quotas.flatMap((q, i) => Array<string>(counts[i] as number).fill(q.level));
}

/** Zipf weights of `count` keys: key i weighs 1 / (i + 1)^exponent. */
function zipfWeights(count: number, exponent: number): Float64Array {
  const weights = new Float64Array(count);
  for (let i = 0; i < count; i++) weights[i] = 1 / (i + 1) ** exponent;
  return weights;
}

function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i] as number;
    out[i] = total;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / total;
  return out;
}

/** Steps `pick` walks from its first guess before it searches. */
const PICK_WALK_MAX = 4;

/**
 * Index of the first cumulative weight > u. The guess is where u falls if the weights are even
 * (clients' usually are: the exact index or next to it), walked a few steps and searched past that.
 */
function pick(cdf: Float64Array, u: number): number {
  const last = cdf.length - 1;
  let i = Math.min(last, Math.floor(u * cdf.length));
  if ((cdf[i] as number) > u) {
    for (let steps = 0; i > 0 && (cdf[i - 1] as number) > u; steps++) {
      if (steps === PICK_WALK_MAX) return search(cdf, u, 0, i - 1);
      i--;
    }
    return i;
  }
  for (let steps = 0; i < last && (cdf[i] as number) <= u; steps++) {
    if (steps === PICK_WALK_MAX) return search(cdf, u, i + 1, last);
    i++;
  }
  return i;
}

/** Slices of [0, 1) per value of a guide table, and the most slices it has. */
const GUIDE_SLICES_PER_VALUE = 4;
const GUIDE_SLICES_MAX = 1 << 16;

/**
 * A guide table for `cdf` (uneven weights: a zipf key popularity, where `pick`'s guess is far off):
 * for each of n equal slices of [0, 1) (n a power of two), the index of the first cumulative weight
 * above the slice's start. Every u in the slice has its answer at or after it, most within a step or two.
 */
function guideOf(cdf: Float64Array): Int32Array {
  let slices = 1;
  while (slices < cdf.length * GUIDE_SLICES_PER_VALUE && slices < GUIDE_SLICES_MAX) slices *= 2;
  const guide = new Int32Array(slices);
  const last = cdf.length - 1;
  let i = 0;
  for (let slice = 0; slice < slices; slice++) {
    const startsAt = slice / slices;
    while (i < last && (cdf[i] as number) <= startsAt) i++;
    guide[slice] = i;
  }
  return guide;
}

/**
 * `pick` through a guide table: the same index (the first cumulative weight > u, or the last). u · n
 * and its floor are exact (n is a power of two), so the slice's start is ≤ u and its guide at or
 * before the answer.
 */
function pickGuided(cdf: Float64Array, guide: Int32Array, u: number): number {
  const last = cdf.length - 1;
  let i = guide[Math.floor(u * guide.length)] as number;
  for (let steps = 0; i < last && (cdf[i] as number) <= u; steps++) {
    if (steps === PICK_WALK_MAX) return search(cdf, u, i + 1, last);
    i++;
  }
  return i;
}

/** Index of the first cumulative weight > u in [low, high] (high when none is). */
function search(cdf: Float64Array, u: number, low: number, high: number): number {
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((cdf[mid] as number) > u) high = mid;
    else low = mid + 1;
  }
  return low;
}
