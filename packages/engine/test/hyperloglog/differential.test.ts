import { describe, expect, it } from 'vitest';
import { firstMismatch } from '../../../../test/support/differential.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';

/** A small seeded generator (mulberry32), so a failure replays. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random elements: mostly short text, some binary, some long (every MurmurHash tail length). */
function randomElements(random: () => number, count: number): string[] {
  const elements: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random();
    if (kind < 0.6) elements.push(`e${Math.floor(random() * count * 4)}`);
    else if (kind < 0.9) {
      const length = Math.floor(random() * 24);
      let text = '';
      for (let j = 0; j < length; j++) text += String.fromCharCode(Math.floor(random() * 256));
      elements.push(text);
    } else elements.push(`${'x'.repeat(Math.floor(random() * 40))}${i}`);
  }
  return elements;
}

/** PFADD in batches of `batch` elements, then the observable state. */
function addAndObserve(key: string, elements: readonly string[], batch: number): string[][] {
  const commands: string[][] = [];
  for (let i = 0; i < elements.length; i += batch) commands.push(['PFADD', key, ...elements.slice(i, i + batch)]);
  commands.push(['GET', key], ['PFCOUNT', key], ['GET', key]);
  return commands;
}

const targetedCases: string[][] = [
  ['PFADD'],
  ['PFCOUNT'],
  ['PFMERGE'],
  ['PFADD', 'empty'],
  ['PFADD', 'empty'],
  ['GET', 'empty'],
  ['PFCOUNT', 'empty'],
  ['PFCOUNT', 'missing'],
  ['PFCOUNT', 'missing', 'empty'],
  ['SET', 'str', 'not an hll'],
  ['PFADD', 'str', 'a'],
  ['PFCOUNT', 'str'],
  ['PFCOUNT', 'empty', 'str'],
  ['PFMERGE', 'str', 'empty'],
  ['PFMERGE', 'empty', 'str'],
  ['SET', 'short', 'HYLL'],
  ['PFADD', 'short', 'a'],
  ['SET', 'badenc', 'HYLL\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff'],
  ['PFADD', 'badenc', 'a'],
  ['SET', 'baddense', 'HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'],
  ['PFCOUNT', 'baddense'],
  ['SET', 'badsparse', 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\x00'],
  ['PFCOUNT', 'badsparse'],
  ['PFADD', 'badsparse', 'a', 'b', 'c'],
  ['PFMERGE', 'dst', 'badsparse'],
  ['LPUSH', 'list', 'a'],
  ['PFADD', 'list', 'a'],
  ['PFCOUNT', 'list'],
  ['PFADD', 'h1', 'a', 'b', 'c', 'a'],
  ['PFADD', 'h1', 'a'],
  ['PFADD', 'h2', 'c', 'd', 'e'],
  ['PFCOUNT', 'h1', 'h2'],
  ['PFMERGE', 'h3', 'h1', 'h2'],
  ['GET', 'h3'],
  ['PFCOUNT', 'h3'],
  ['PFMERGE', 'h3'],
  ['GET', 'h3'],
  ['PFMERGE', 'fresh'],
  ['GET', 'fresh'],
  ['EXPIRE', 'h1', '100'],
  ['PFADD', 'h1', 'zz'],
  ['TTL', 'h1'],
  ['APPEND', 'h1', 'x'],
  ['PFCOUNT', 'h1'],
];

describe.runIf(oracleWanted())('HyperLogLog against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => {
    oracle = started;
  });

  it('answers edge cases and errors as Redis does', async () => {
    expect(await firstMismatch(oracle, targetedCases)).toBeUndefined();
  });

  it('builds the same sparse and dense bytes and counts for many random small inputs', async () => {
    const random = seeded(17);
    const commands: string[][] = [];
    for (let round = 0; round < 30; round++) {
      const size = Math.floor(random() ** 2 * 6000);
      commands.push(...addAndObserve(`k${round}`, randomElements(random, size), 1 + Math.floor(random() * 50)));
      if (round > 0) {
        commands.push(['PFCOUNT', `k${round}`, `k${round - 1}`]);
        commands.push(
          ['PFMERGE', `m${round}`, `k${round}`, `k${round - 1}`],
          ['GET', `m${round}`],
          ['PFCOUNT', `m${round}`],
        );
        commands.push(['PFMERGE', `k${round - 1}`, `k${round}`], ['GET', `k${round - 1}`]);
      }
    }
    expect(await firstMismatch(oracle, commands)).toBeUndefined();
  });

  it('counts 10^6 random elements exactly as Redis does', async () => {
    const random = seeded(1_000_000);
    const elements: string[] = [];
    for (let i = 0; i < 1_000_000; i++) elements.push(`${Math.floor(random() * 2 ** 32).toString(36)}:${i}`);
    const commands = addAndObserve('big', elements, 20_000);
    commands.push(
      ['PFADD', 'small', 'a', 'b'],
      ['PFMERGE', 'small', 'big'],
      ['GET', 'small'],
      ['PFCOUNT', 'small', 'big'],
    );
    expect(await firstMismatch(oracle, commands)).toBeUndefined();
  });
});
