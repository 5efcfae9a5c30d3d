import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, digestKeyspace } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import { MeridianNode } from '@meridian/node';

const TOKEN = 'replay-token';

const key = fc.constantFrom('a', 'b', 'c', 'k\xff');
const value = fc.oneof(fc.constantFrom('', '1', 'v'), fc.string({ maxLength: 6 }));
const command = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, value, fc.constantFrom('NX', 'XX', 'GET', 'KEEPTTL')).map(([k, v, o]) => ['SET', k, v, o]),
  fc
    .tuple(key, value, fc.constantFrom('PX', 'EX'), fc.integer({ min: 1, max: 40 }))
    .map(([k, v, u, n]) => ['SET', k, v, u, String(n)]),
  key.map((k) => ['GET', k]),
  fc.array(key, { minLength: 1, maxLength: 3 }).map((keys) => ['DEL', ...keys]),
  fc.constant(['PING']),
  fc.constant(['GET']),
);
const batch = fc.oneof(
  command.map((argv) => ({ url: '/', body: argv })),
  fc.array(command, { minLength: 1, maxLength: 5 }).map((commands) => ({ url: '/pipeline', body: commands })),
  fc.array(command, { minLength: 1, maxLength: 5 }).map((commands) => ({ url: '/multi-exec', body: commands })),
);

class SteppingClock implements Clock {
  timeMs = 1_700_000_000_000;
  nowMs(): number {
    return (this.timeMs += 7);
  }
  setTimer(): { cancel(): void } {
    return { cancel: () => undefined };
  }
}

describe('the node logs every write', () => {
  it('a replica applying the log ends with the primary keyspace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 25 }), async (batches) => {
        const node = new MeridianNode({ token: TOKEN, clock: new SteppingClock() });
        for (const { url, body } of batches) {
          const json = Buffer.from(JSON.stringify(body), 'latin1');
          await node.handle({ method: 'POST', url, headers: { authorization: `Bearer ${TOKEN}` }, body: json });
        }
        const replica = new Engine({ role: 'replica' });
        const read = node.log.read(1, { entriesMax: 10_000, bytesMax: 1 << 30 });
        if (read.kind !== 'entries') throw new Error('log truncated');
        expect(read.entries.length).toBe(node.log.lastOffset());
        for (const entry of read.entries) {
          expect(entry.effects.length).toBeGreaterThan(0);
          replica.applyEffects(entry.effects, entry.timeMs);
        }
        expect(digestKeyspace(replica.db)).toBe(digestKeyspace(node.engine.db));
      }),
      { numRuns: 150 },
    );
  });
});
