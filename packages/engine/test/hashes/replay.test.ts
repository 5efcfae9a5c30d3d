import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, findCommand, type Reply } from '@meridian/engine';
import { runWithReplica, seededRandom } from '../../../../test/support/replay.js';
import { hashCommandForReplay } from './commands.js';

const T0 = 1_700_000_000_000;

/** Reads whose answer does not depend on the random source or on the hash's internal order. */
const comparableReads = new Set([
  'hget',
  'hmget',
  'hlen',
  'hexists',
  'hstrlen',
  'httl',
  'hpttl',
  'hexpiretime',
  'hpexpiretime',
]);

interface Step {
  argv: string[];
  advanceMs: number;
  activeExpire: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  argv: hashCommandForReplay,
  advanceMs: fc.integer({ min: 0, max: 4 }),
  activeExpire: fc.boolean(),
});

/**
 * Runs steps on a primary, with time advancing and the active expiry cycle running now and then,
 * applying every effect batch to a replica; a read served by the replica at the same moment must
 * answer as the primary does.
 */
function runSteps(steps: readonly Step[], seed: number): { primary: Engine; replica: Engine } {
  const primary = new Engine({ role: 'primary', random: seededRandom(seed) });
  const replica = new Engine({ role: 'replica', random: seededRandom(seed + 1) });
  let nowMs = T0;
  for (const { argv, advanceMs, activeExpire } of steps) {
    const name = (argv[0] as string).toLowerCase();
    const replicaReply: Reply | undefined = comparableReads.has(name) ? replica.execute(argv, nowMs).reply : undefined;
    const { reply, effects } = primary.execute(argv, nowMs);
    if (replicaReply !== undefined) expect(replicaReply).toEqual(reply);
    if (findCommand(name)?.isReadonly === true && name !== 'hrandfield') {
      expect(effects.every((effect) => effect[0] === 'HDEL' || effect[0] === 'DEL')).toBe(true);
    }
    if (effects.length > 0) replica.applyEffects(effects, nowMs);
    nowMs += advanceMs;
    if (activeExpire) {
      const expired = primary.activeExpire(nowMs, 3);
      if (expired.length > 0) replica.applyEffects(expired, nowMs);
    }
  }
  return { primary, replica };
}

describe('hashes: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace as the primary', () => {
    fc.assert(
      fc.property(fc.array(hashCommandForReplay, { maxLength: 80, size: 'max' }), fc.integer(), (commands, seed) => {
        const { primary, replica } = runWithReplica(commands, { seed, startMs: T0, stepMs: 1 });
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
      }),
      { numRuns: 400 },
    );
  });

  it('with field TTLs expiring as time advances, lazily and actively, replicas stay identical and answer alike', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100, size: 'max' }), fc.integer(), (steps, seed) => {
        const { primary, replica } = runSteps(steps, seed);
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
      }),
      { numRuns: 400 },
    );
  });

  it('relative field TTLs reach the replica as absolute times', () => {
    const { primary, replica } = runWithReplica(
      [
        ['HSET', 'h', 'a', '1', 'b', '2'],
        ['HEXPIRE', 'h', '30', 'FIELDS', '1', 'a'],
        ['HGETEX', 'h', 'PX', '5000', 'FIELDS', '1', 'b'],
        ['HSETEX', 'h', 'EX', '7', 'FIELDS', '1', 'c', '3'],
      ],
      { startMs: T0, stepMs: 1000 },
    );
    const times = ['HPEXPIRETIME', 'h', 'FIELDS', '3', 'a', 'b', 'c'];
    expect(primary.execute(times, T0).reply).toEqual([T0 + 1000 + 30_000, T0 + 2000 + 5000, T0 + 3000 + 7000]);
    expect(replica.execute(times, T0).reply).toEqual(primary.execute(times, T0).reply);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });

  it('HINCRBYFLOAT reaches the replica as the stored result, keeping the field TTL', () => {
    const { primary, replica } = runWithReplica(
      [
        ['HSET', 'h', 'f', '0.1'],
        ['HINCRBYFLOAT', 'h', 'f', '0.2'],
        ['HPEXPIRE', 'h', '5000', 'FIELDS', '1', 'f'],
        ['HINCRBYFLOAT', 'h', 'f', '1'],
      ],
      { startMs: T0 },
    );
    expect(replica.execute(['HGET', 'h', 'f'], T0).reply).toBe(primary.execute(['HGET', 'h', 'f'], T0).reply);
    expect(replica.execute(['HPTTL', 'h', 'FIELDS', '1', 'f'], T0 + 4).reply).toEqual([4998]);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });
});
