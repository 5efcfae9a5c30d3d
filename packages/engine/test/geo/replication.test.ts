import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, findCommand } from '@meridian/engine';

/** Runs commands on a primary, applies each write's effects on a replica, and compares keyspaces. */
function replicate(commands: string[][]): { primary: Engine; replica: Engine } {
  const primary = new Engine({ role: 'primary' });
  const replica = new Engine({ role: 'replica' });
  for (const argv of commands) {
    const { effects } = primary.execute(argv, 1000);
    if (effects.length > 0) replica.applyEffects(effects, 1000);
  }
  return { primary, replica };
}

describe('geo and HyperLogLog writes replicate deterministically', () => {
  it('leaves the replica with the same keyspace (HLL cache bytes included)', () => {
    const { primary, replica } = replicate([
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
      ['GEOSEARCHSTORE', 'near', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'],
      ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'r'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'h2', 'h'],
      ['GEOSEARCHSTORE', 'near', 'missing', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ]);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
    expect(primary.execute(['EXISTS', 'near'], 1000).reply).toBe(0);
    expect(replica.execute(['GET', 'h'], 1000).reply).toBe(primary.execute(['GET', 'h'], 1000).reply);
  });

  it('a replica answering PFCOUNT leaves its copy unchanged (the primary logs the cache update)', () => {
    const { primary, replica } = replicate([['PFADD', 'h', 'a', 'b']]);
    const before = replica.execute(['GET', 'h'], 1000).reply;
    expect(replica.execute(['PFCOUNT', 'h'], 1000).reply).toBe(2);
    expect(replica.execute(['GET', 'h'], 1000).reply).toBe(before);
    const counted = primary.execute(['PFCOUNT', 'h'], 1000);
    expect(counted.effects).toEqual([['PFCOUNT', 'h']]);
    replica.applyEffects(counted.effects, 1000);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });

  it('flags: writes go to the primary, reads may stay on a replica', () => {
    for (const name of ['geoadd', 'geosearchstore', 'georadius', 'georadiusbymember', 'pfadd', 'pfmerge']) {
      expect(findCommand(name)?.isWrite, name).toBe(true);
    }
    for (const name of [
      'geodist',
      'geohash',
      'geopos',
      'geosearch',
      'georadius_ro',
      'georadiusbymember_ro',
      'pfcount',
    ]) {
      expect(findCommand(name)?.isReadonly, name).toBe(true);
    }
  });
});
