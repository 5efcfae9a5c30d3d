import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assert, AssertionFailure, hasMeridianCode, MeridianError } from '@meridian/engine';

describe('one error scheme: stable MERIDIAN_ codes and an assert that stays on', () => {
  it('assert throws a coded AssertionFailure with the message, and narrows on success', () => {
    const value: string | undefined = 'x';
    assert(value !== undefined, 'never');
    expect(value.length).toBe(1);
    let thrown: unknown;
    try {
      assert(1 > 2, () => 'one is not more than two');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AssertionFailure);
    expect((thrown as Error).message).toBe('one is not more than two');
    expect(hasMeridianCode(thrown, 'MERIDIAN_ASSERT_FAILED')).toBe(true);
  });

  it('hasMeridianCode looks at the code only', () => {
    expect(hasMeridianCode(Object.assign(new Error('primary unreachable'), { code: 'X' }))).toBe(false);
    expect(hasMeridianCode({ code: 'MERIDIAN_ROUTER_HEADER_INVALID' }, 'MERIDIAN_ROUTER_HEADER_INVALID')).toBe(true);
    expect(hasMeridianCode(undefined)).toBe(false);
  });
});

describe('one error scheme across the source tree', () => {
  const root = new URL('../../../', import.meta.url).pathname;
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    });
  const files = readdirSync(join(root, 'packages')).flatMap((name) => sources(join(root, 'packages', name, 'src')));

  it('raises no bare Error: every throw carries a MERIDIAN_ code (MeridianError, a coded class, or assert)', () => {
    const bare = files.filter((file) => /throw new Error\(/.test(readFileSync(file, 'utf8')));
    expect(files.length).toBeGreaterThan(100);
    expect(bare.map((file) => file.slice(root.length))).toEqual([]);
  });

  it('every error class declares a MERIDIAN_ code', () => {
    const uncoded: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/class (\w+) extends Error \{([\s\S]*?)\n\}/g)) {
        const [, name, body] = match;
        // A Redis reply (its text is the protocol), and the replication protocol's wire codes (close
        // reasons of protocol v3, listed in README.md): renaming those is a protocol change.
        if (name === 'CommandError' || name === 'ReplicationError') continue;
        const coded = /\bcode\b[^;{]*MERIDIAN_/.test(body ?? '') || /\bcode: StoreErrorCode\b/.test(body ?? '');
        if (!coded) uncoded.push(`${file.slice(root.length)}: ${name}`);
      }
    }
    expect(uncoded).toEqual([]);
  });
});

describe('MeridianError', () => {
  it('carries its code, which hasMeridianCode reads', () => {
    const error = new MeridianError('MERIDIAN_TEST_CASE', 'a message');
    expect(hasMeridianCode(error, 'MERIDIAN_TEST_CASE')).toBe(true);
    expect(error.message).toBe('a message');
  });
});
