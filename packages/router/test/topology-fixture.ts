import type http from 'node:http';
import { MeridianNode, type NodeLinks, type StreamHandler } from '@meridian/node';
import { parseTopology, type TopologyConfig } from '@meridian/topology';

export const TOKEN = 'router-test-token';
export const ADMIN = 'router-test-admin';

/** A real node whose reported staleness the test controls (nodes here are independent primaries). */
export class TestNode extends MeridianNode {
  stalenessMs = 0;
  override status(): Record<string, unknown> {
    return { ...super.status(), stalenessMs: this.stalenessMs };
  }
}

/** Three regions; ports are placeholders, the router gets the nodes' real URLs. */
export function threeRegionConfig(overrides = ''): TopologyConfig {
  const text = `
version: 1
primary: us-east-1
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, port: 65001 }
  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, port: 65002 }
  - { name: ap-southeast-1, location: { lat: 1.35, lon: 103.8 }, port: 65003 }
router: { port: 65000, region: us-east-1 ${overrides} }
auth: { token: ${TOKEN}, adminToken: ${ADMIN} }
`;
  return parseTopology(text, 'test-regions.yaml');
}

/** An SSE handler that sends three events 50 ms apart, so a buffering proxy would be visible. */
export const slowEvents: StreamHandler = (_parsed, _request, response: http.ServerResponse) => {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  let sent = 0;
  const timer = setInterval(() => {
    response.write(`data: event-${sent}\n\n`);
    sent += 1;
    if (sent === 3) {
      clearInterval(timer);
      response.end();
    }
  }, 50);
  response.on('close', () => clearInterval(timer));
};

export async function startNodes(
  config: TopologyConfig,
  linksOf?: (region: string) => NodeLinks,
): Promise<Map<string, TestNode>> {
  const nodes = new Map<string, TestNode>();
  for (const region of config.regions) {
    const links = linksOf?.(region.name);
    const node = new TestNode({
      token: TOKEN,
      adminToken: ADMIN,
      region: region.name,
      port: 0,
      streams: slowEvents,
      ...(links === undefined ? {} : { links }),
    });
    await node.start();
    nodes.set(region.name, node);
  }
  return nodes;
}

export function urlsOf(nodes: Map<string, TestNode>): Record<string, string> {
  return Object.fromEntries([...nodes].map(([name, node]) => [name, node.url]));
}
