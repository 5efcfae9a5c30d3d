import { describe, expect, it } from 'vitest';
import { routeRequest, type RegionState } from '@meridian/router';

const region = (name: string, isPrimary: boolean, healthy: boolean): RegionState => ({
  name,
  isPrimary,
  healthy,
  stalenessMs: 0,
  appliedOffset: 0,
});

describe('the routing decision says why it is unavailable with a stable code (the proxy branches on it)', () => {
  it('a write with the primary down: MERIDIAN_ROUTER_PRIMARY_UNREACHABLE; nothing healthy: MERIDIAN_ROUTER_NO_REGION', () => {
    const write = routeRequest({ isWrite: true, consistency: { level: 'eventual' } }, [
      region('eu', false, true),
      region('us', true, false),
    ]);
    expect(write).toMatchObject({ kind: 'unavailable', code: 'MERIDIAN_ROUTER_PRIMARY_UNREACHABLE' });
    const read = routeRequest({ isWrite: false, consistency: { level: 'eventual' } }, [
      region('eu', false, false),
      region('us', true, false),
    ]);
    expect(read).toMatchObject({ kind: 'unavailable', code: 'MERIDIAN_ROUTER_NO_REGION' });
  });
});
