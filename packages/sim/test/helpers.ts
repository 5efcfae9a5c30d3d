import { defaultExperimentOptions, type ExperimentOptions } from '@meridian/sim';
import { parseTopology, type TopologyConfig } from '@meridian/topology';

const REGIONS = [
  { name: 'us-east-1', lat: 38.9, lon: -77.4 },
  { name: 'eu-west-1', lat: 53.3, lon: -6.3 },
  { name: 'ap-southeast-1', lat: 1.35, lon: 103.8 },
  { name: 'sa-east-1', lat: -23.5, lon: -46.6 },
];

/** A topology of the first `count` regions (us-east-1 primary) with the given network section. */
export function topology(count: number, network: string, replication = 'heartbeatMs: 100'): TopologyConfig {
  const regions = REGIONS.slice(0, count)
    .map(
      (r, i) =>
        `  - { name: ${r.name}, location: { lat: ${r.lat}, lon: ${r.lon} }, host: 127.0.0.1, port: ${17801 + i} }`,
    )
    .join('\n');
  return parseTopology(
    `version: 1\nprimary: us-east-1\nregions:\n${regions}\nrouter: { port: 17800 }\nnetwork:\n${network}\nreplication: { ${replication} }\n`,
    'test.yaml',
  );
}

/** Small, quick experiment options over `config`. */
export function quickOptions(
  config: TopologyConfig,
  change: (options: ExperimentOptions) => void = () => undefined,
): ExperimentOptions {
  const options = defaultExperimentOptions(config);
  options.durationMs = 5_000;
  options.warmupMs = 1_000;
  options.workload.writesPerSecond = 50;
  options.workload.readsPerSecond = 300;
  options.workload.clientsPerRegion = 4;
  options.workload.keyCount = 50;
  change(options);
  return options;
}
