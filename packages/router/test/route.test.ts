import { describe, expect, it } from 'vitest';
import { parseConsistency, routeRequest, type RegionState } from '@meridian/router';
import { routeScratch } from '../src/route.js';

const region = (name: string, overrides: Partial<RegionState> = {}): RegionState => ({
  name,
  isPrimary: false,
  healthy: true,
  stalenessMs: 10,
  appliedOffset: 100,
  ...overrides,
});

const eventual = parseConsistency('eventual')!;

describe('routeRequest', () => {
  const primary = region('us-east-1', { isPrimary: true, stalenessMs: 0 });
  const sg = region('ap-southeast-1', { stalenessMs: 250 });
  const eu = region('eu-west-1', { stalenessMs: 40 });

  it('sends writes and strong reads to the primary, 503-style when it is down', () => {
    expect(routeRequest({ isWrite: true, consistency: eventual }, [sg, eu, primary])).toMatchObject({
      region: 'us-east-1',
    });
    expect(routeRequest({ isWrite: false, consistency: { level: 'strong' } }, [sg, primary])).toMatchObject({
      region: 'us-east-1',
    });
    const down = { ...primary, healthy: false };
    expect(routeRequest({ isWrite: true, consistency: eventual }, [sg, down]).kind).toBe('unavailable');
  });

  it('sends eventual reads to the nearest healthy region and fails over to the next', () => {
    expect(routeRequest({ isWrite: false, consistency: eventual }, [sg, eu, primary])).toMatchObject({
      region: 'ap-southeast-1',
      fallbacks: ['eu-west-1', 'us-east-1'],
    });
    const sgDown = { ...sg, healthy: false };
    expect(routeRequest({ isWrite: false, consistency: eventual }, [sgDown, eu, primary])).toMatchObject({
      region: 'eu-west-1',
    });
  });

  it('skips replicas staler than a bounded read allows, ending at the primary', () => {
    const bounded = parseConsistency('bounded=100')!;
    expect(routeRequest({ isWrite: false, consistency: bounded }, [sg, eu, primary])).toMatchObject({
      region: 'eu-west-1',
    });
    const tight = parseConsistency('bounded=5')!;
    expect(routeRequest({ isWrite: false, consistency: tight }, [sg, eu, primary])).toMatchObject({
      region: 'us-east-1',
    });
    const primaryDown = { ...primary, healthy: false };
    expect(routeRequest({ isWrite: false, consistency: tight }, [sg, eu, primaryDown]).kind).toBe('unavailable');
  });

  it('asks each region once and keeps every eligible one as a fallback, past 30 regions too', () => {
    const asked = new Map<string, number>();
    const counted = (state: RegionState): RegionState => ({
      ...state,
      get healthy(): boolean {
        asked.set(state.name, (asked.get(state.name) ?? 0) + 1);
        return state.healthy;
      },
    });
    const many = Array.from({ length: 40 }, (_, i) =>
      counted(region(`r${i}`, { healthy: i % 3 !== 1, stalenessMs: i % 5 === 2 ? 500 : 10 })),
    );
    many.push(counted({ ...primary }));
    const bounded = parseConsistency('bounded=100')!;
    const expected = many.filter((_, i) => i === 40 || (i % 3 !== 1 && i % 5 !== 2)).map((state) => state.name);
    for (const scratch of [undefined, routeScratch()]) {
      asked.clear();
      const decision = routeRequest({ isWrite: false, consistency: bounded }, many, scratch);
      expect(decision).toMatchObject({ region: expected[0], fallbacks: expected.slice(1) });
      const inBits = many.slice(0, 30).map((state) => asked.get(state.name) ?? 0);
      expect(inBits.every((times) => times === 1)).toBe(true);
    }
  });

  it('decides the same into a scratch decision, which the next decision overwrites', () => {
    const scratch = routeScratch();
    const bounded = parseConsistency('bounded=100')!;
    const cases = [
      { request: { isWrite: true, consistency: eventual }, regions: [sg, eu, primary] },
      { request: { isWrite: false, consistency: { level: 'strong' as const } }, regions: [sg, primary] },
      { request: { isWrite: false, consistency: eventual }, regions: [sg, eu, primary] },
      { request: { isWrite: false, consistency: eventual }, regions: [{ ...sg, healthy: false }, eu, primary] },
      { request: { isWrite: false, consistency: bounded }, regions: [sg, eu, primary] },
      { request: { isWrite: false, consistency: eventual }, regions: [sg, eu, { ...primary, healthy: false }] },
      { request: { isWrite: true, consistency: eventual }, regions: [sg, { ...primary, healthy: false }] },
      { request: { isWrite: false, consistency: eventual }, regions: [{ ...sg, healthy: false }] },
    ];
    const reused = cases.map(({ request, regions }) => {
      const decision = routeRequest(request, regions, scratch);
      return decision.kind === 'forward' ? { ...decision, fallbacks: [...decision.fallbacks] } : decision;
    });
    expect(reused).toEqual(cases.map(({ request, regions }) => routeRequest(request, regions)));
    expect(reused[2]).toEqual({
      kind: 'forward',
      region: 'ap-southeast-1',
      reason: 'nearest replica',
      fallbacks: ['eu-west-1', 'us-east-1'],
    });
  });

  it('parses consistency headers and ignores garbage', () => {
    expect(parseConsistency('bounded=250')).toEqual({ level: 'bounded', stalenessMsMax: 250 });
    expect(parseConsistency(' Strong ')).toEqual({ level: 'strong' });
    expect(parseConsistency('bounded=-1')).toBeUndefined();
    expect(parseConsistency('linearizable')).toBeUndefined();
  });
});
