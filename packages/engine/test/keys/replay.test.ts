import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace } from '@meridian/engine';
import { replayDigests, runWithReplica } from '../../../../test/support/replay.js';
import { keyCommandForReplay } from './commands.js';

describe('keys: effects replay', () => {
  it('a replica applying the effects ends with the primary keyspace', () => {
    fc.assert(
      fc.property(fc.array(keyCommandForReplay, { minLength: 1, maxLength: 80 }), fc.nat(), (commands, seed) => {
        const [primary, replica] = replayDigests(commands, seed);
        expect(replica).toBe(primary);
      }),
      { numRuns: 400 },
    );
  });

  it('stays equal after every command, also when time jumps past the TTLs', () => {
    fc.assert(
      fc.property(fc.array(keyCommandForReplay, { minLength: 1, maxLength: 40 }), (commands) => {
        const { primary, replica } = runWithReplica(commands, { stepMs: 3 });
        // Reads after the TTLs lapsed make the primary expire lazily; the replica follows its DELs.
        for (const argv of [['KEYS', '*'], ['SCAN', '0', 'COUNT', '100'], ['RANDOMKEY']]) {
          const { effects } = primary.execute(argv, 1_800_000_000_000);
          if (effects.length > 0) replica.applyEffects(effects, 1_800_000_000_000);
        }
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
      }),
      { numRuns: 200 },
    );
  });
});
