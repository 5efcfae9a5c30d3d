import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, type Reply } from '@meridian/engine';

function engineWith(commands: string[][]): Engine {
  const engine = new Engine({ role: 'primary', random: () => 0.5 });
  for (const argv of commands) engine.execute(argv, 1_000);
  return engine;
}

describe('digestKeyspace', () => {
  it('does not depend on the order keys, set members or hash fields were written in', () => {
    const a = engineWith([
      ['SET', 'x', '1'],
      ['SADD', 's', 'a', 'b', 'c'],
      ['HSET', 'h', 'f', '1', 'g', '2'],
    ]);
    const b = engineWith([
      ['HSET', 'h', 'g', '2', 'f', '1'],
      ['SADD', 's', 'c', 'b', 'a'],
      ['SET', 'x', '1'],
    ]);
    expect(digestKeyspace(a.db)).toBe(digestKeyspace(b.db));
    expect(digestKeyspace(a.db)).toMatch(/^[0-9a-f]{28}:3$/);
  });

  it('tells apart values whose pieces only join to the same text, expiry times and types', () => {
    const digests = [
      engineWith([['RPUSH', 'l', 'ab', 'c']]),
      engineWith([['RPUSH', 'l', 'a', 'bc']]),
      engineWith([['SADD', 'l', 'ab', 'c']]),
      engineWith([['SET', 'l', 'abc']]),
      engineWith([['SET', 'l', 'abc', 'PXAT', '5000']]),
      engineWith([['SET', 'l', 'abc', 'PXAT', '5001']]),
    ].map((engine) => digestKeyspace(engine.db));
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('digests keys of more than 64 MiB without building one string of the keyspace', () => {
    const engine = engineWith([
      ['SETRANGE', 'fat', '70000000', 'z'],
      ['SETRANGE', 'fat2', '70000000', 'z'],
      ['SET', 'small', 'v'],
    ]);
    const before = digestKeyspace(engine.db);
    expect(before).toMatch(/:3$/);
    const reply: Reply = engine.execute(['SETRANGE', 'fat', '70000000', 'y'], 1_000).reply;
    expect(reply).toBe(70_000_001);
    expect(digestKeyspace(engine.db)).not.toBe(before);
  });
});
