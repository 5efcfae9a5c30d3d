import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, type Engine, formatDouble } from '@meridian/engine';
import { runWithReplica } from '../../../../test/support/replay.js';
import { zsetCommandForReplay } from './commands.js';

/** Every key's members and score texts: the digest alone would not tell -0 from 0 or inf from -inf. */
function contents(engine: Engine, nowMs: number): unknown[] {
  return ['z1', 'z2', 'z3'].map((key) => engine.execute(['ZRANGE', key, '0', '-1', 'WITHSCORES'], nowMs).reply);
}

describe('zsets: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace as the primary', () => {
    fc.assert(
      fc.property(fc.array(zsetCommandForReplay, { maxLength: 80, size: 'max' }), fc.integer(), (commands, seed) => {
        const { primary, replica } = runWithReplica(commands, { seed, startMs: 0 });
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
        expect(contents(replica, commands.length)).toEqual(contents(primary, commands.length));
      }),
      { numRuns: 400 },
    );
  });

  it('replicates INCR as ZADD of the exact resulting score, and pops as ZPOPMIN/ZPOPMAX', () => {
    const { primary, replica } = runWithReplica([
      ['ZADD', 'z', '0.1', 'a', '5', 'b', '7', 'c'],
      ['ZINCRBY', 'z', '0.2', 'a'],
      ['ZADD', 'z', 'INCR', '-0.3', 'a'],
      ['ZPOPMAX', 'z'],
    ]);
    const increment = primary.execute(['ZINCRBY', 'z', '1e-17', 'a'], 0);
    const expected = formatDouble(0.1 + 0.2 - 0.3 + 1e-17);
    expect(increment.reply).toBe(expected);
    expect(increment.effects).toEqual([['ZADD', 'z', expected, 'a']]);
    replica.applyEffects(increment.effects, 0);
    const pop = primary.execute(['ZPOPMIN', 'z', '5'], 0);
    expect(pop.effects).toEqual([['ZPOPMIN', 'z', '2']]);
    expect(replica.execute(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], 0).reply).toEqual(['a', expected, 'b', '5']);
    replica.applyEffects(pop.effects, 0);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
    expect(primary.db.data.has('z')).toBe(false);
  });

  it('propagates nothing when nothing changed', () => {
    const { primary } = runWithReplica([['ZADD', 'z', '1', 'a']]);
    for (const argv of [
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'NX', '2', 'a'],
      ['ZADD', 'z', 'GT', '0', 'a'],
      ['ZINCRBY', 'z', '0', 'a'],
      ['ZREM', 'z', 'b'],
      ['ZREMRANGEBYSCORE', 'z', '5', '6'],
      ['ZPOPMIN', 'nosuch'],
      ['ZINTERSTORE', 'nosuch', '2', 'z', 'empty'],
      ['ZRANGESTORE', 'nosuch', 'z', '5', '6'],
    ]) {
      expect(primary.execute(argv, 0).effects).toEqual([]);
    }
  });
});
