import type { LinkConfig } from '@meridian/lag';

/** One region of a running topology, as live mode sees it. */
export interface LiveRegion {
  name: string;
  isPrimary: boolean;
  /** Base URL of the region's REST endpoint, e.g. http://127.0.0.1:7702. */
  url: string;
}

/** What `request` resolves with: the HTTP status, the parsed JSON body and the (lower-case) headers. */
export interface LiveAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** A live SSE subscription (`/subscribe/<channel>`) at one region. */
export interface LiveSubscription {
  /** Closes the stream (the node drops the subscription). */
  close(): void;
}

/**
 * The seam for live mode: the CLI launches (or finds) real region processes and hands the
 * experiment this view of them. The experiment sends Upstash REST requests to `regions[].url` with
 * `token`, reads lag and applied offsets through `adminStatus`, and drives faults through `setLink`
 * (the admin lag endpoint) and `crash`/`restart`.
 */
export interface LiveTopology {
  regions: readonly LiveRegion[];
  token: string;
  /** Wall-clock time in ms (the experiment measures with it; any monotonic origin). */
  nowMs(): number;
  /** One region's admin status: applied offset and staleness. */
  adminStatus(region: string): Promise<{ appliedOffset: number; stalenessMs: number }>;
  /**
   * Changes the directed link from → to at run time on every node (the admin lag endpoint):
   * `{ partitioned: true }` cuts it, `{ partitioned: false }` heals it, `{}` returns it to the
   * config, anything else sets those fields.
   */
  setLink(from: string, to: string, change: LinkConfig & { partitioned?: boolean }): Promise<void>;
  /** True when `crash`/`restart` work (the experiment launched the processes itself). */
  readonly supervised?: boolean;
  crash(region: string): Promise<void>;
  restart(region: string): Promise<void>;
  /** Sends one REST command to a region with the given headers; resolves with status, body and headers. */
  request(region: string, argv: readonly string[], headers: Record<string, string>): Promise<LiveAnswer>;
  /**
   * Subscribes at a region (SSE); resolves once the node confirmed the subscription. `onMessage`
   * gets each message's payload; `onEnd` the reason when the stream ends before `close`. Absent:
   * the experiment measures no pub/sub delivery.
   */
  subscribe?(
    region: string,
    channel: string,
    onMessage: (payload: string) => void,
    onEnd: (reason: string) => void,
  ): Promise<LiveSubscription>;
  /** The region's keyspace digest at its applied offset (the convergence check); absent: not checked. */
  digest?(region: string): Promise<{ offset: number; digest: string }>;
  /** Automatic failover's view of a region: its node's role and epoch, its election's term and lease. */
  failoverStatus?(region: string): Promise<FailoverStatus>;
  /** SIGSTOP / SIGCONT of the region's process (a hung host), when the experiment launched it. */
  pause?(region: string): Promise<void>;
  resume?(region: string): Promise<void>;
}

export interface FailoverStatus {
  readonly role: string;
  readonly epoch: number;
  readonly term: number;
  readonly leaseHeld: boolean;
}
