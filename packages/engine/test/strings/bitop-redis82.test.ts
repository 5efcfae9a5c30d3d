import { describe, expect, it } from 'vitest';
import { Engine, findCommand, type Reply, ReplyError } from '@meridian/engine';

function session(): (...argv: string[]) => Reply {
  const engine = new Engine({ role: 'primary' });
  return (...argv) => engine.execute(argv, 0).reply;
}

const bits = (byte: number): string => String.fromCharCode(byte);

describe('BITOP DIFF, DIFF1, ANDOR and ONE (Redis 8.2, as redis.io documents them)', () => {
  it('computes each operator byte by byte, zero-padding shorter sources', () => {
    const run = session();
    run('SET', 'x', bits(0b11110000) + bits(0xff));
    run('SET', 'y1', bits(0b11000000));
    run('SET', 'y2', bits(0b00110011));
    expect(run('BITOP', 'DIFF', 'd', 'x', 'y1', 'y2')).toBe(2);
    expect(run('GET', 'd')).toBe(bits(0b00000000) + bits(0xff));
    expect(run('BITOP', 'diff1', 'd', 'x', 'y1', 'y2')).toBe(2);
    expect(run('GET', 'd')).toBe(bits(0b00000011) + bits(0));
    expect(run('BITOP', 'AndOr', 'd', 'x', 'y1', 'y2')).toBe(2);
    expect(run('GET', 'd')).toBe(bits(0b11110000) + bits(0));
    expect(run('BITOP', 'ONE', 'd', 'x', 'y1', 'y2')).toBe(2);
    expect(run('GET', 'd')).toBe(bits(0b00000011) + bits(0xff));
    expect(run('BITOP', 'ONE', 'd', 'y1')).toBe(1);
    expect(run('GET', 'd')).toBe(bits(0b11000000));
  });

  it('refuses DIFF, DIFF1 and ANDOR with one source, with the operator named in upper case', () => {
    const run = session();
    for (const operator of ['diff', 'DIFF1', 'AndOr']) {
      expect(run('BITOP', operator, 'd', 'x')).toEqual(
        new ReplyError(`ERR BITOP ${operator.toUpperCase()} must be called with at least two source keys.`),
      );
    }
    expect(run('BITOP', 'NAND', 'd', 'x', 'y')).toEqual(new ReplyError('ERR syntax error'));
  });

  it('replicates as the command itself and deletes the destination when every source is empty', () => {
    const primary = new Engine({ role: 'primary' });
    const replica = new Engine({ role: 'replica' });
    primary.execute(['SET', 'x', 'abc'], 0);
    replica.applyEffects([['SET', 'x', 'abc']], 0);
    const result = primary.execute(['BITOP', 'DIFF1', 'd', 'x', 'missing'], 0);
    replica.applyEffects(result.effects, 0);
    expect(replica.execute(['GET', 'd'], 0).reply).toBe(primary.execute(['GET', 'd'], 0).reply);
    const emptied = primary.execute(['BITOP', 'ONE', 'd', 'missing', 'missing2'], 0);
    expect(emptied.reply).toBe(0);
    expect(emptied.effects).toEqual([['DEL', 'd']]);
    expect(findCommand('bitop')?.isWrite).toBe(true);
  });
});
