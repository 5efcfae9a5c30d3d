import { type RegionView, type RegionViews, RoutePlanner } from '@meridian/router';
import { describe, expect, it } from 'vitest';
import { threeRegionConfig } from './topology-fixture.js';

// The planner's contract with its views: fixed views (one object per region, read when asked: the
// simulator's) are looked up once per ranking; views a monitor replaces are looked up per request.

const config = threeRegionConfig();

/** A region's view whose health is read from `down` when asked. */
function liveView(name: string, down: Set<string>): RegionView {
  return {
    name,
    url: `mem://${name}`,
    isPrimary: name === config.primary,
    get healthy() {
      return !down.has(name);
    },
    stalenessMs: 0,
    appliedOffset: 0,
    role: undefined,
    epoch: undefined,
    primaryOffset: undefined,
    lagOffsets: undefined,
    checkedAtMs: undefined,
    error: undefined,
  };
}

function firstRegion(planner: RoutePlanner): string | undefined {
  const plan = planner.plan(
    { method: 'GET', url: '/get/k', headers: { 'x-meridian-region': 'eu-west-1' }, body: Buffer.alloc(0) },
    true,
  );
  return plan.kind === 'forward' ? plan.regions[0] : undefined;
}

describe('RoutePlanner and its region views', () => {
  it('looks fixed views up once and still follows their live state', () => {
    const down = new Set<string>();
    const views = new Map(config.regions.map((region) => [region.name, liveView(region.name, down)]));
    let lookups = 0;
    const fixed: RegionViews = {
      viewsFixed: true,
      view: (name) => {
        lookups++;
        return views.get(name);
      },
      all: () => [...views.values()],
      markDown: () => undefined,
    };
    const planner = new RoutePlanner({ config, views: fixed });
    expect(firstRegion(planner)).toBe('eu-west-1');
    const afterFirst = lookups;
    down.add('eu-west-1');
    expect(firstRegion(planner)).not.toBe('eu-west-1');
    down.delete('eu-west-1');
    expect(firstRegion(planner)).toBe('eu-west-1');
    expect(afterFirst).toBe(config.regions.length);
    expect(lookups).toBe(afterFirst);
  });

  it('looks views up per request when they are replaced (a monitor after each poll)', () => {
    const none = new Set<string>();
    const views = new Map(config.regions.map((region) => [region.name, liveView(region.name, none)]));
    const replaced: RegionViews = {
      view: (name) => views.get(name),
      all: () => [...views.values()],
      markDown: (name) => views.set(name, { ...(views.get(name) as RegionView), healthy: false }),
    };
    const planner = new RoutePlanner({ config, views: replaced });
    expect(firstRegion(planner)).toBe('eu-west-1');
    replaced.markDown('eu-west-1', 'refused');
    expect(firstRegion(planner)).not.toBe('eu-west-1');
  });
});
