import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, KeyspaceDigest, StringKeyDigests } from '@meridian/engine';
import { seededRandom } from '../../../test/support/replay.js';
import { fieldTtlCommand, hashCommandForReplay } from './hashes/commands.js';
import { keyCommandForReplay } from './keys/commands.js';
import { listCommandWithExpiry } from './lists/commands.js';
import { setCommandForReplay } from './sets/commands.js';
import { streamCommandForReplay } from './streams/commands.js';
import { stringCommandForReplay } from './strings/commands.js';
import { zsetCommandForReplay } from './zsets/commands.js';

const START_MS = 1_700_000_000_000;

const anyCommand = fc.oneof(
  stringCommandForReplay(START_MS),
  hashCommandForReplay,
  fieldTtlCommand,
  keyCommandForReplay,
  listCommandWithExpiry,
  setCommandForReplay,
  zsetCommandForReplay,
  streamCommandForReplay,
  fc.constant(['FLUSHALL']),
);

describe('KeyspaceDigest (incremental)', () => {
  it('always equals the digest computed from scratch, on a primary (expiry included) and on its replica', () => {
    fc.assert(
      fc.property(fc.array(anyCommand, { maxLength: 120, size: 'max' }), fc.integer(), (commands, seed) => {
        const primary = new Engine({ role: 'primary', random: seededRandom(seed) });
        const replica = new Engine({ role: 'replica', random: seededRandom(99) });
        const primaryDigest = new KeyspaceDigest(primary.db);
        const replicaDigest = new KeyspaceDigest(replica.db);
        let nowMs = START_MS;
        commands.forEach((argv, i) => {
          const { effects } = primary.execute(argv, nowMs);
          if (effects.length > 0) replica.applyEffects(effects, nowMs);
          if (i % 7 === 0) {
            const expired = primary.activeExpire(nowMs, 50);
            if (expired.length > 0) replica.applyEffects(expired, nowMs);
          }
          if (i % 5 === 0) {
            expect(primaryDigest.digest()).toBe(KeyspaceDigest.of(primary.db));
            expect(replicaDigest.digest()).toBe(KeyspaceDigest.of(replica.db));
            expect(replicaDigest.digest()).toBe(primaryDigest.digest());
          }
          nowMs += 250;
        });
        expect(primaryDigest.digest()).toBe(KeyspaceDigest.of(primary.db));
        expect(replicaDigest.digest()).toBe(primaryDigest.digest());
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same digests when a primary and its replica share their string keys' words", () => {
    fc.assert(
      fc.property(fc.array(anyCommand, { maxLength: 120, size: 'max' }), fc.integer(), (commands, seed) => {
        const primary = new Engine({ role: 'primary', random: seededRandom(seed) });
        const replica = new Engine({ role: 'replica', random: seededRandom(99) });
        const strings = new StringKeyDigests();
        const primaryDigest = new KeyspaceDigest(primary.db, strings);
        const replicaDigest = new KeyspaceDigest(replica.db, strings);
        let nowMs = START_MS;
        commands.forEach((argv, i) => {
          const { effects } = primary.execute(argv, nowMs);
          if (effects.length > 0) replica.applyEffects(effects, nowMs);
          // The replica lags a step behind now and then: a key's shared words may be another value's.
          if (i % 3 !== 1) expect(replicaDigest.digest()).toBe(KeyspaceDigest.of(replica.db));
          if (i % 4 === 0) expect(primaryDigest.digest()).toBe(KeyspaceDigest.of(primary.db));
          nowMs += 250;
        });
        expect(primaryDigest.digest()).toBe(KeyspaceDigest.of(primary.db));
        expect(replicaDigest.digest()).toBe(primaryDigest.digest());
      }),
      { numRuns: 300 },
    );
  });

  it('tells different keyspaces apart and does not depend on write order', () => {
    const engine = (commands: string[][]): Engine => {
      const e = new Engine({ role: 'primary' });
      for (const argv of commands) e.execute(argv, START_MS);
      return e;
    };
    const a = engine([
      ['SET', 'x', '1'],
      ['SADD', 's', 'a', 'b'],
    ]);
    const b = engine([
      ['SADD', 's', 'b', 'a'],
      ['SET', 'x', '1'],
    ]);
    const c = engine([
      ['SET', 'x', '2'],
      ['SADD', 's', 'a', 'b'],
    ]);
    const digestOf = (e: Engine): string => new KeyspaceDigest(e.db).digest();
    expect(digestOf(a)).toBe(digestOf(b));
    expect(digestOf(a)).not.toBe(digestOf(c));
    const tracked = new KeyspaceDigest(c.db);
    tracked.digest();
    c.execute(['SET', 'x', '1'], START_MS);
    expect(tracked.digest()).toBe(digestOf(a));
    c.execute(['PEXPIRE', 'x', '100000'], START_MS);
    expect(tracked.digest()).not.toBe(digestOf(a));
    expect(tracked.digest()).toBe(KeyspaceDigest.of(c.db));
  });
});
