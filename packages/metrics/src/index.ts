import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export {
  Logger,
  type LogFields,
  type LogFormat,
  type LoggerOptions,
  type LogLevel,
  logFormatFor,
  logLevelFor,
  parseLogLine,
  prettyLogLine,
  REDACTED,
  type Report,
  type ReportDetail,
  reportTo,
  reportToStderr,
} from './log.js';

/**
 * A registry of its own for one node or router, labelled (`region`) and carrying the process
 * metrics under `prefix` (`meridian_`, `meridian_router_`).
 */
export function processRegistry(prefix: string, labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  const registers = [registry];
  const startedAtS = Date.now() / 1000 - process.uptime();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let cpuSeen = 0;
  new Counter({
    name: `${prefix}process_cpu_seconds_total`,
    help: 'User and system CPU time spent by the process.',
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      const total = (user + system) / 1e6;
      this.inc(Math.max(0, total - cpuSeen));
      cpuSeen = total;
    },
  });
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name: `${prefix}${name}`,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  gauge('process_resident_memory_bytes', 'Resident set size of the process.', () => process.memoryUsage.rss());
  gauge('process_start_time_seconds', 'When the process started, seconds since the epoch.', () => startedAtS);
  gauge('nodejs_heap_used_bytes', 'V8 heap in use.', () => process.memoryUsage().heapUsed);
  gauge('nodejs_heap_total_bytes', 'V8 heap reserved.', () => process.memoryUsage().heapTotal);
  gauge('nodejs_eventloop_delay_p99_seconds', 'Event-loop delay, 99th percentile since the last scrape.', () => {
    const p99 = delay.percentile(99) / 1e9;
    delay.reset();
    return Number.isFinite(p99) ? p99 : 0;
  });
  return registry;
}
