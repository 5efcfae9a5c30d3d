import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace } from '@meridian/engine';
import { runWithReplica } from '../../../../test/support/replay.js';
import { listCommandWithExpiry } from './commands.js';

describe('lists: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace as the primary', () => {
    fc.assert(
      fc.property(fc.array(listCommandWithExpiry, { maxLength: 80, size: 'max' }), fc.integer(), (commands, seed) => {
        const { primary, replica } = runWithReplica(commands, { seed });
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
      }),
      { numRuns: 400 },
    );
  });

  it('replicated effects leave the replica with the same list contents', () => {
    const { primary, replica } = runWithReplica([
      ['RPUSH', 'a', '1', '2', '3', '4'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '2'],
      ['LMOVE', 'a', 'b', 'RIGHT', 'LEFT'],
      ['LINSERT', 'a', 'BEFORE', '3', 'x'],
    ]);
    for (const engine of [primary, replica]) {
      expect(engine.execute(['LRANGE', 'a', '0', '-1'], 0).reply).toEqual(['x', '3']);
      expect(engine.execute(['LRANGE', 'b', '0', '-1'], 0).reply).toEqual(['4']);
    }
  });
});
