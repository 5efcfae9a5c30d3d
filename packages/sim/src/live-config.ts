import { MeridianError } from '@meridian/engine';
import { isMap, isSeq, parseDocument } from 'yaml';

/** Where a relocated topology listens and keeps its data. */
export interface TopologyPlacement {
  /** Port per region name. */
  regionPorts: Record<string, number>;
  routerPort: number;
  dataDir: string;
}

/**
 * Rewrites a regions.yaml text so the same topology runs elsewhere on this machine: every region
 * and the router on 127.0.0.1 at the given ports, data under `dataDir`. Everything else (network,
 * replication, auth, comments) is kept, so live mode measures the configured topology. RESP
 * listeners are turned off (`respPort: none`).
 */
export function relocateTopologyText(text: string, placement: TopologyPlacement): string {
  const document = parseDocument(text);
  const regions = document.get('regions');
  if (!isSeq(regions))
    throw new MeridianError('MERIDIAN_EXPERIMENT_CONFIG_INVALID', 'the topology has no regions list');
  for (const item of regions.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    const port = typeof name === 'string' ? placement.regionPorts[name] : undefined;
    if (port === undefined)
      throw new MeridianError('MERIDIAN_EXPERIMENT_CONFIG_INVALID', `no port for region ${String(name)}`);
    item.set('host', '127.0.0.1');
    item.set('port', port);
    // Free ports are found for HTTP only: a relocated topology serves no RESP.
    item.set('respPort', 'none');
  }
  document.setIn(['router', 'host'], '127.0.0.1');
  document.setIn(['router', 'port'], placement.routerPort);
  document.set('dataDir', placement.dataDir);
  return document.toString();
}
