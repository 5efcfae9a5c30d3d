import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace } from '@meridian/engine';
import { runWithReplica } from '../../../../test/support/replay.js';
import { setCommandForReplay } from './commands.js';

describe('sets: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace as the primary', () => {
    fc.assert(
      fc.property(fc.array(setCommandForReplay, { maxLength: 80, size: 'max' }), fc.integer(), (commands, seed) => {
        const { primary, replica } = runWithReplica(commands, { seed });
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
      }),
      { numRuns: 400 },
    );
  });

  it('random pops reach the replica as the members actually popped', () => {
    const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const { primary, replica, replies } = runWithReplica(
      [
        ['SADD', 's', ...members],
        ['SPOP', 's', '7'],
        ['SPOP', 's'],
        ['SMEMBERS', 's'],
      ],
      { seed: 11 },
    );
    const left = replies[3] as string[];
    expect(left).toHaveLength(32);
    const replicaMembers = replica.execute(['SMEMBERS', 's'], 0).reply as string[];
    expect([...replicaMembers].sort()).toEqual([...left].sort());
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });
});
