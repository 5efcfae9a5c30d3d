import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, type Reply } from '@meridian/engine';
import { runWithReplica, seededRandom } from '../../../../test/support/replay.js';
import { streamCommandForReplay } from './commands.js';

/** What XINFO and XPENDING tell about every stream key, read on `engine` at `nowMs`. */
function groupState(engine: Engine, nowMs: number, keys = ['x1', 'x2'], groupNames = ['g1', 'g2']): Reply[] {
  const out: Reply[] = [];
  for (const key of keys) {
    const read = (...argv: string[]): Reply => engine.execute(argv, nowMs).reply;
    out.push(read('XINFO', 'STREAM', key, 'FULL', 'COUNT', '0'));
    const groups = read('XINFO', 'GROUPS', key);
    out.push(groups);
    if (!Array.isArray(groups)) continue;
    for (const name of groupNames) {
      out.push(read('XINFO', 'CONSUMERS', key, name));
      out.push(read('XPENDING', key, name));
      out.push(read('XPENDING', key, name, '-', '+', '100'));
    }
  }
  return out;
}

function plain(reply: unknown): string {
  return JSON.stringify(reply, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

describe('streams: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace and the same group state', () => {
    fc.assert(
      fc.property(
        fc.array(streamCommandForReplay, { maxLength: 80, size: 'max' }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 40 }),
        (commands, stepMs, applyDelayMs) => {
          const primary = new Engine({ role: 'primary', random: seededRandom(1) });
          const replica = new Engine({ role: 'replica', random: seededRandom(2) });
          let nowMs = 1_700_000_000_000;
          // The replica applies each batch later than the primary ran it: effects must carry the times.
          for (const argv of commands) {
            const { effects } = primary.execute(argv, nowMs);
            if (effects.length > 0) replica.applyEffects(effects, nowMs + applyDelayMs);
            nowMs += stepMs;
          }
          expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
          const readAtMs = nowMs + 50;
          expect(plain(groupState(replica, readAtMs))).toBe(plain(groupState(primary, readAtMs)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('XADD * reaches the replica with its ID, and a clock that went back keeps IDs increasing', () => {
    const { primary, replica } = runWithReplica([], {});
    const added: string[] = [];
    for (const nowMs of [5000, 5000, 4000, 6000]) {
      const { reply, effects } = primary.execute(['XADD', 's', 'MAXLEN', '~', '2', '*', 'f', 'v'], nowMs);
      added.push(reply as string);
      replica.applyEffects(effects, nowMs);
      expect(effects[0]).toEqual(['XADD', 's', reply, 'f', 'v']);
    }
    expect(added).toEqual(['5000-0', '5000-1', '5000-2', '6000-0']);
    expect(replica.execute(['XRANGE', 's', '-', '+'], 7000).reply).toEqual([
      ['5000-2', ['f', 'v']],
      ['6000-0', ['f', 'v']],
    ]);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });

  it('XREADGROUP replicates as XCLAIM with explicit time and count, SETID with ENTRIESREAD, and consumer times', () => {
    const { primary, replica } = runWithReplica([
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-2', 'b', '2'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
    ]);
    const { effects } = primary.execute(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'], 9000);
    expect(effects).toEqual([
      ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'TIME', '9000', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID'],
      ['XGROUP', 'SETID', 's', 'g', '1-1', 'ENTRIESREAD', '1'],
      ['XGROUP', 'CONSUMERTIMES', 's', 'g', 'c', '9000', '9000'],
    ]);
    // The replica applies the batch at a later time: the times in the effects still win.
    replica.applyEffects(effects, 9500);
    expect(plain(groupState(replica, 12_000, ['s'], ['g']))).toBe(plain(groupState(primary, 12_000, ['s'], ['g'])));
    expect(replica.execute(['XPENDING', 's', 'g', '-', '+', '10'], 12_000).reply).toEqual([['1-1', 'c', 3000, 1]]);
  });

  it('the effect-only XGROUP CONSUMERTIMES is refused from clients', () => {
    const { primary } = runWithReplica([['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']]);
    const { reply } = primary.execute(['XGROUP', 'CONSUMERTIMES', 's', 'g', 'c', '1', '1'], 0);
    expect(reply).toMatchObject({ message: "ERR unknown subcommand 'CONSUMERTIMES'. Try XGROUP HELP." });
  });
});
