import { Counter, Gauge, Histogram, processRegistry, type Registry } from '@meridian/metrics';

/** What one answered REST request contributes to the metrics. */
export interface RequestSample {
  /** Lowercase command names (a pipeline's or transaction's every command). */
  readonly commands: readonly string[];
  readonly status: number;
  readonly durationMs: number;
  /** The consistency level asked for (`x-meridian-consistency`), `default` when none. */
  readonly consistency: string;
}

/**
 * What a node waits on: on the primary, replicas acknowledging an offset (WAIT, and majority-durability
 * writes); on a replica, its own log reaching a read's sync token (session reads, read-your-writes).
 */
export type WaitKind = 'replica_acks' | 'sync_token';

/** Reports how long one wait took and whether it got what it waited for. */
export type WaitObserver = (kind: WaitKind, seconds: number, reached: boolean) => void;

/** Times a wait that resolves to whether it was reached (or to a count, reached when ≥ `needed`). */
export function timedWait<T extends boolean | number>(
  observe: WaitObserver | undefined,
  kind: WaitKind,
  nowMs: () => number,
  wait: Promise<T>,
  needed = 1,
): Promise<T> {
  if (observe === undefined) return wait;
  const startMs = nowMs();
  return wait.then((result) => {
    observe(kind, Math.max(0, nowMs() - startMs) / 1000, typeof result === 'number' ? result >= needed : result);
    return result;
  });
}

/** Commands are labelled by name; names beyond this many distinct ones count as `other` (bounded series). */
const COMMAND_LABELS_MAX = 256;
const LEVELS = new Set(['eventual', 'session', 'strong', 'bounded', 'default']);

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function field(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[name] : undefined;
}

/**
 * A node's Prometheus metrics, on a registry of its own (several nodes may share a process with
 * `meridian up --in-process`). Counters move as requests are answered; gauges are read from the
 * node's `/_meridian/status` view at scrape time.
 */
export class NodeMetrics {
  readonly registry: Registry;
  private readonly commands: Counter<'command'>;
  private readonly errors: Counter<'command'>;
  private readonly latency: Histogram<'consistency'>;
  private readonly waits: Histogram<'kind' | 'outcome'>;
  private readonly commitSeconds: Histogram;
  private readonly commitEntries: Histogram;
  private readonly seen = new Set<string>();

  constructor(status: () => Record<string, unknown>, labels: { region: string }) {
    this.registry = processRegistry('meridian_', labels);
    const registers = [this.registry];
    this.commands = new Counter({
      name: 'meridian_commands_total',
      help: 'Commands answered over REST, by command name.',
      labelNames: ['command'],
      registers,
    });
    this.errors = new Counter({
      name: 'meridian_command_errors_total',
      help: 'REST requests answered with an error status, by (first) command name.',
      labelNames: ['command'],
      registers,
    });
    this.latency = new Histogram({
      name: 'meridian_request_duration_seconds',
      help: 'Time to answer a REST command request, by the consistency level it asked for.',
      labelNames: ['consistency'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.waits = new Histogram({
      name: 'meridian_wait_duration_seconds',
      help: 'Waits for replica acks (WAIT, majority writes) and for a sync token (replica reads), by outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'meridian_log_commit_duration_seconds',
      help: 'Time of one SQLite group commit of the write log.',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.commitEntries = new Histogram({
      name: 'meridian_log_commit_batch_entries',
      help: 'Log entries written by one SQLite group commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536],
      registers,
    });
    const counter = (name: string, help: string, read: (s: Record<string, unknown>) => number | undefined): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = read(status());
          if (value === undefined) return;
          this.reset();
          this.inc(value);
        },
      });
    };
    counter('meridian_pubsub_deliveries_total', 'Pub/sub messages delivered to subscribers here.', (s) =>
      number(field(s['pubsub'], 'deliveries')),
    );
    counter(
      'meridian_pubsub_slow_subscribers_total',
      'Subscribers cut off here because they did not keep up with their messages.',
      (s) => number(field(s['pubsub'], 'slowSubscribers')),
    );
    const gauge = (name: string, help: string, read: (s: Record<string, unknown>) => number | undefined): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const value = read(status());
          if (value !== undefined) this.set(value);
        },
      });
    };
    gauge('meridian_role_primary', '1 on the primary, 0 on a replica.', (s) => (s['role'] === 'primary' ? 1 : 0));
    gauge('meridian_failover_epoch', 'The failover epoch of this node’s role.', (s) => number(s['epoch']));
    gauge('meridian_replication_applied_offset', 'Newest log offset applied here.', (s) => number(s['appliedOffset']));
    gauge('meridian_replication_primary_offset', 'Newest log offset of the primary, as last heard.', (s) =>
      number(s['primaryOffset']),
    );
    gauge('meridian_replication_lag_entries', 'Log entries this replica is behind the primary.', (s) =>
      number(s['lagOffsets']),
    );
    gauge('meridian_staleness_seconds', 'How far behind the primary this node’s data may be.', (s) => {
      const ms = number(s['stalenessMs']);
      return ms === undefined ? undefined : ms / 1000;
    });
    gauge(
      'meridian_replication_apply_queue_entries',
      'On a replica: entries received from the primary, not yet applied.',
      (s) => number(s['applyQueueEntries']),
    );
    gauge('meridian_keys', 'Keys in the keyspace.', (s) => number(s['keys']));
    gauge('meridian_memory_used_bytes', 'Estimated bytes the keyspace uses (maxmemory accounting).', (s) =>
      number(field(s['memory'], 'usedBytes')),
    );
    gauge(
      'meridian_diverged_replicas',
      'Replicas whose log diverged at their resume point (full resync), since start.',
      (s) => number(s['divergedReplicas']),
    );
    gauge('meridian_replica_full_resyncs', 'On the primary: replicas synced from a snapshot since start.', (s) =>
      number(field(s['resyncs'], 'full')),
    );
    gauge('meridian_replica_partial_resyncs', 'On the primary: replicas resumed from the log since start.', (s) =>
      number(field(s['resyncs'], 'partial')),
    );
    gauge('meridian_pubsub_subscribers', 'Pub/sub subscribers connected here.', (s) =>
      number(field(s['pubsub'], 'subscribers')),
    );
    gauge('meridian_log_last_offset', 'Newest offset in this node’s write log.', (s) =>
      number(field(s['log'], 'lastOffset')),
    );
    const perReplica = (
      name: string,
      help: string,
      read: (replica: Record<string, unknown>) => number | undefined,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ['replica'],
        registers,
        collect() {
          this.reset();
          const replicas = status()['replicas'];
          if (!Array.isArray(replicas)) return;
          for (const replica of replicas as Record<string, unknown>[]) {
            const value = read(replica);
            if (typeof replica['region'] === 'string' && value !== undefined)
              this.set({ replica: replica['region'] }, value);
          }
        },
      });
    };
    perReplica('meridian_replica_lag_entries', 'On the primary: entries each replica has not acknowledged.', (r) =>
      number(r['lagOffsets']),
    );
    perReplica('meridian_replica_backlog_bytes', 'On the primary: bytes queued for each replica, not yet sent.', (r) =>
      number(r['backlogBytes']),
    );
    perReplica(
      'meridian_replica_lag_seconds',
      'On the primary: how long the oldest write each replica has not acknowledged has waited.',
      (r) => {
        const ms = number(r['lagMs']);
        return ms === undefined ? undefined : ms / 1000;
      },
    );
  }

  /** The labelled counter per command label, looked up once rather than hashed per command. */
  private readonly commandSeries = new Map<string, { inc(by?: number): void }>();

  record(sample: RequestSample): void {
    // A pipeline's commands counted by runs of one name (100 SETs: one increment of 100).
    const commands = sample.commands;
    for (let i = 0; i < commands.length;) {
      const name = commands[i] as string;
      let run = 1;
      while (commands[i + run] === name) run++;
      this.countCommand(name, run);
      i += run;
    }
    if (sample.status >= 400) this.errors.inc({ command: this.label(sample.commands[0] ?? 'unknown') });
    const level = sample.consistency.split('=')[0] ?? 'default';
    this.latency.observe({ consistency: LEVELS.has(level) ? level : 'other' }, sample.durationMs / 1000);
  }

  /** One wait ended (see WaitObserver). */
  readonly wait: WaitObserver = (kind, seconds, reached) => {
    this.waits.observe({ kind, outcome: reached ? 'reached' : 'timeout' }, seconds);
  };

  /** One group commit of the write log. */
  readonly commit = (entries: number, seconds: number): void => {
    this.commitEntries.observe(entries);
    this.commitSeconds.observe(seconds);
  };

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private countCommand(name: string, times: number): void {
    const label = this.label(name);
    let series = this.commandSeries.get(label);
    if (series === undefined) {
      series = this.commands.labels({ command: label });
      this.commandSeries.set(label, series);
    }
    series.inc(times);
  }

  private label(name: string): string {
    if (this.seen.has(name)) return name;
    if (this.seen.size >= COMMAND_LABELS_MAX || !/^[a-z][a-z0-9._|-]{0,63}$/.test(name)) return 'other';
    this.seen.add(name);
    return name;
  }
}
