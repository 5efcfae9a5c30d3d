import { describe, expect, it } from 'vitest';
import { freeLoopbackPorts } from '@meridian/cli';
import { parseTopology } from '@meridian/topology';

describe('freeLoopbackPorts', () => {
  it('gives distinct ports, none another one’s default RESP port (port + 1000), so a config of them loads', async () => {
    // 600 ports from ~28,000 ephemeral ones: drawn blindly, ~13 pairs would lie 1,000 apart.
    const ports = await freeLoopbackPorts(600);
    expect(ports).toHaveLength(600);
    expect(new Set(ports).size).toBe(600);
    const taken = new Set(ports);
    expect(ports.filter((port) => taken.has(port + 1000))).toEqual([]);
    const [router, ...regions] = ports.slice(0, 6);
    const text = [
      'version: 1',
      'primary: r0',
      'regions:',
      ...regions.map(
        (port, i) => `  - { name: r${i}, location: { lat: 0, lon: ${i} }, host: 127.0.0.1, port: ${port} }`,
      ),
      `router: { host: 127.0.0.1, port: ${router} }`,
    ].join('\n');
    expect(parseTopology(text, 'regions.yaml').regions.map((region) => region.port)).toEqual(regions);
  });
});
