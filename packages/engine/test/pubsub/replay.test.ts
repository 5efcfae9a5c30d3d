import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { seededRandom } from '../../../../test/support/replay.js';

const START_MS = 1_700_000_000_000;
const name = fc.constantFrom('a', 'b', 'news', 'n\u00e9', '');
const payload = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('x\ny', '\r\n', ',', '\u00ff\u0000'));

/** PUBLISH interleaved with writes it must stay ordered with, and PUBSUB reads. */
const command = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(name, payload).map(([channel, message]) => ['PUBLISH', channel, message]) },
  { weight: 2, arbitrary: fc.tuple(name, payload).map(([key, value]) => ['SET', key, value]) },
  { weight: 1, arbitrary: name.map((key) => ['INCR', `n:${key}`]) },
  { weight: 1, arbitrary: name.map((key) => ['DEL', key]) },
  {
    weight: 1,
    arbitrary: fc.tuple(name, fc.integer({ min: 1, max: 5 })).map(([key, ms]) => ['PEXPIRE', key, String(ms)]),
  },
  { weight: 1, arbitrary: name.map((channel) => ['PUBSUB', 'NUMSUB', channel]) },
  { weight: 1, arbitrary: fc.constant(['PUBSUB', 'CHANNELS']) },
);

describe('pub/sub: effects replay', () => {
  it('a replica ends with the primary keyspace and delivers the same messages in the same order, each after the writes before it', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), fc.integer(), (commands, seed) => {
        const seen = { primary: [] as string[], replica: [] as string[] };
        const primary = new Engine({ role: 'primary', random: seededRandom(seed) });
        const replica = new Engine({ role: 'replica', random: seededRandom(7) });
        // Each delivery records the keyspace digest at that moment: the replica must match the primary.
        primary.host = { publish: (c, m) => (seen.primary.push(`${c}|${m}|${digestKeyspace(primary.db)}`), 1) };
        replica.host = { publish: (c, m) => (seen.replica.push(`${c}|${m}|${digestKeyspace(replica.db)}`), 1) };
        let nowMs = START_MS;
        for (const argv of commands) {
          const { effects } = primary.execute(argv, nowMs);
          if (effects.length > 0) replica.applyEffects(effects, nowMs);
          nowMs += 2;
        }
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
        expect(seen.replica).toEqual(seen.primary);
        expect(seen.primary.length).toBe(commands.filter((argv) => argv[0] === 'PUBLISH').length);
      }),
      { numRuns: 300 },
    );
  });
});
