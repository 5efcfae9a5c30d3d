import { describe, expect, it } from 'vitest';
import { geoDelayMs, greatCircleKm, NORTH_VIRGINIA, SINGAPORE } from '@meridian/lag';

describe('geo', () => {
  it('measures great-circle distances (London–New York ≈ 5570 km)', () => {
    expect(greatCircleKm({ lat: 51.5074, lon: -0.1278 }, { lat: 40.7128, lon: -74.006 })).toBeCloseTo(5570, -1);
    expect(greatCircleKm(SINGAPORE, SINGAPORE)).toBe(0);
    expect(greatCircleKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6371.0088, 3);
  });

  it('calibrates Singapore ↔ N. Virginia to a 200 ms round trip, symmetric', () => {
    expect(geoDelayMs(SINGAPORE, NORTH_VIRGINIA) + geoDelayMs(NORTH_VIRGINIA, SINGAPORE)).toBeCloseTo(200, 6);
    const ireland = { lat: 53.3, lon: -6.3 };
    const oneWay = geoDelayMs(NORTH_VIRGINIA, ireland);
    expect(oneWay).toBeGreaterThan(30);
    expect(oneWay).toBeLessThan(45);
  });
});
