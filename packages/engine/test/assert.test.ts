import { describe, expect, it } from 'vitest';
import { assert, AssertionFailure, hasMeridianCode } from '@meridian/engine';

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
