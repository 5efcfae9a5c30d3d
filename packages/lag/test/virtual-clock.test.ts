import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@meridian/lag';
import { clockContract } from './clock-contract.js';

clockContract('VirtualClock', () => {
  const clock = new VirtualClock(1_700_000_000_000);
  return { clock, advance: async (ms) => void clock.advance(ms) };
});

describe('VirtualClock', () => {
  it('runs timers in time order and moves time to each one', () => {
    const clock = new VirtualClock(0);
    const seen: [string, number][] = [];
    clock.setTimer(30, () => seen.push(['c', clock.nowMs()]));
    clock.setTimer(10, () => seen.push(['a', clock.nowMs()]));
    clock.setTimer(20, () => seen.push(['b', clock.nowMs()]));
    expect(clock.runUntil(25)).toBe(2);
    expect(clock.nowMs()).toBe(25);
    expect(clock.nextTimerMs()).toBe(30);
    clock.advance(100);
    expect(seen).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.runNext()).toBe(false);
  });

  it('runs afterEvent callbacks once the current timer returns, before timers due at the same time', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(5, () => {
      seen.push('first');
      clock.setTimer(0, () => seen.push('zero-delay'));
      clock.afterEvent(() => {
        seen.push('after');
        clock.afterEvent(() => seen.push('after the after'));
      });
      seen.push('first ends');
    });
    clock.setTimer(5, () => seen.push('second'));
    // Outside a timer's callback there is no current event: a zero-delay timer.
    clock.afterEvent(() => seen.push('outside'));
    clock.advance(10);
    expect(seen).toEqual(['outside', 'first', 'first ends', 'after', 'after the after', 'second', 'zero-delay']);
  });

  it('still runs the afterEvent callbacks of a timer that threw, as timers', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(1, () => {
      clock.afterEvent(() => seen.push('after'));
      throw new Error('boom');
    });
    expect(() => clock.advance(1)).toThrow('boom');
    clock.advance(1);
    expect(seen).toEqual(['after']);
  });

  it('runs setTimerWith timers with their item, in the same order as setTimer ones, and cancels them alike', () => {
    const clock = new VirtualClock(0);
    const ran: string[] = [];
    const named = (item: { name: string }): void => void ran.push(`${item.name}@${clock.nowMs()}`);
    clock.setTimer(5, () => ran.push(`a@${clock.nowMs()}`));
    clock.setTimerWith(5, named, { name: 'b' });
    clock.setTimerWith(0, named, { name: 'c' });
    clock.setTimerWith(2, named, { name: 'gone' }).cancel();
    clock.setTimer(1, () => ran.push(`d@${clock.nowMs()}`));
    clock.advance(10);
    expect(ran).toEqual(['c@0', 'd@1', 'a@5', 'b@5']);
  });

  it('orders a timer set earlier than every other (kept out of the heap) by time, then by the order set', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(50, () => seen.push('heap 50'));
    clock.setTimer(20, () => seen.push('front 20, then heap'));
    clock.setTimer(10, () => seen.push('front 10'));
    clock.setTimer(10, () => seen.push('same time, set later'));
    const cancelled = clock.setTimer(5, () => seen.push('cancelled'));
    cancelled.cancel();
    expect(clock.pendingTimers).toBe(4);
    expect(clock.nextTimerMs()).toBe(10);
    clock.setTimer(0, () => seen.push('zero delay'));
    clock.setTimer(1, () => {
      seen.push('front 1');
      // Due now, set after the zero-delay timers due now at 1: those come first.
      clock.setTimer(0, () => seen.push('zero delay at 1'));
    });
    clock.advance(100);
    expect(seen).toEqual([
      'zero delay',
      'front 1',
      'zero delay at 1',
      'front 10',
      'same time, set later',
      'front 20, then heap',
      'heap 50',
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops a runaway timer loop with an error instead of hanging', () => {
    const clock = new VirtualClock(0);
    const loop = (): void => void clock.setTimer(0, loop);
    loop();
    expect(() => clock.runUntil(1, 1000)).toThrow(/more than 1000 timers/);
  });

  it('runs the same timers in the same order when most are cancelled (the heap drops them)', () => {
    // A deterministic scatter of times, many equal, with 9 of 10 cancelled (sync-wait timeouts do that).
    const clock = new VirtualClock(0);
    const expected: { atMs: number; id: number }[] = [];
    const seen: number[] = [];
    const handles = [];
    for (let id = 0; id < 20_000; id++) {
      const atMs = 1 + ((id * 7919) % 503);
      handles.push(clock.setTimer(atMs, () => seen.push(id)));
      if (id % 10 === 3) expected.push({ atMs, id });
    }
    handles.forEach((handle, id) => {
      if (id % 10 !== 3) handle.cancel();
    });
    // Timers set after the cancels (and a cancel repeated) keep their place too.
    for (let id = 20_000; id < 20_050; id++) {
      const atMs = 1 + ((id * 7919) % 503);
      clock.setTimer(atMs, () => seen.push(id));
      expected.push({ atMs, id });
    }
    handles[0]?.cancel();
    expect(clock.pendingTimers).toBe(expected.length);
    clock.advance(1_000);
    expected.sort((a, b) => a.atMs - b.atMs || a.id - b.id);
    expect(seen).toEqual(expected.map((timer) => timer.id));
  });
});
