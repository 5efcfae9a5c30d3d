import { describe, expect, it } from 'vitest';
import { SystemClock } from '@meridian/replication';

describe('SystemClock timers past 2^31 - 1 ms', () => {
  it('never raise TimeoutOverflowWarning (and do not fire at once)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    let fired = false;
    const timer = new SystemClock().setTimer(2 ** 31 + 5_000, () => (fired = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    timer.cancel();
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    expect(fired).toBe(false);
  });
});
