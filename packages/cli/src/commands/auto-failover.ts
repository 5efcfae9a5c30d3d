import http from 'node:http';
import https from 'node:https';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Election,
  type ElectionEvent,
  type ElectionMessage,
  type ElectionRole,
  type ElectionState,
  type LogPosition,
} from '@meridian/core';
import type { ElectionEndpoint } from '@meridian/node';
import type { Report } from '@meridian/metrics';
import { regionBaseUrl, type TopologyConfig } from '@meridian/topology';
import type { RoleState } from './role-state.js';
import { httpCall } from './topology-shared.js';

const FILE = 'election.json';

/** `<region dir>/election.json`: the term and the vote, written before a vote is answered. */
function readElectionState(regionDir: string): ElectionState {
  try {
    const parsed = JSON.parse(readFileSync(join(regionDir, FILE), 'utf8')) as { term?: unknown; votedFor?: unknown };
    const term = typeof parsed.term === 'number' && Number.isSafeInteger(parsed.term) ? parsed.term : 0;
    return { term, votedFor: typeof parsed.votedFor === 'string' ? parsed.votedFor : undefined };
  } catch {
    return { term: 0, votedFor: undefined };
  }
}

function writeElectionState(regionDir: string, state: ElectionState): void {
  const path = join(regionDir, FILE);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify({ term: state.term, votedFor: state.votedFor ?? null }));
  for (const target of [temporary, regionDir]) {
    const handle = openSync(target, 'r');
    try {
      fsyncSync(handle);
    } finally {
      closeSync(handle);
    }
    if (target === temporary) renameSync(temporary, path);
  }
}

const MESSAGE_KINDS = new Set(['heartbeat', 'heartbeat-ack', 'vote-request', 'vote']);

/** A message from the wire, checked field by field (a peer is trusted by the admin token, its bytes are not). */
export function parseElectionMessage(value: unknown, regions: ReadonlySet<string>): ElectionMessage | string {
  if (typeof value !== 'object' || value === null) return 'election message: must be a JSON object';
  const m = value as Record<string, unknown>;
  if (typeof m['t'] !== 'string' || !MESSAGE_KINDS.has(m['t']))
    return 'election message: t must be heartbeat, heartbeat-ack, vote-request or vote';
  if (typeof m['term'] !== 'number' || !Number.isSafeInteger(m['term']) || m['term'] < 0)
    return 'election message: term must be a whole number';
  if (typeof m['from'] !== 'string' || !regions.has(m['from']))
    return 'election message: from must be a region of the topology';
  switch (m['t']) {
    case 'heartbeat':
    case 'heartbeat-ack':
      if (typeof m['sentAtMs'] !== 'number' || !Number.isFinite(m['sentAtMs']))
        return 'election message: sentAtMs must be a number';
      if (m['t'] === 'heartbeat-ack' && typeof m['ok'] !== 'boolean')
        return 'election message: ok must be true or false';
      return value as ElectionMessage;
    case 'vote-request': {
      const position = m['position'] as Record<string, unknown> | undefined;
      if (typeof position?.['epoch'] !== 'number' || typeof position['offset'] !== 'number')
        return 'election message: position must be {epoch, offset}';
      if (typeof m['preVote'] !== 'boolean') return 'election message: preVote must be true or false';
      if (m['transfer'] !== undefined && typeof m['transfer'] !== 'boolean')
        return 'election message: transfer must be true or false';
      return value as ElectionMessage;
    }
    default:
      if (typeof m['granted'] !== 'boolean' || typeof m['preVote'] !== 'boolean')
        return 'election message: granted and preVote must be true or false';
      return value as ElectionMessage;
  }
}

/** What automatic failover needs of the node it runs beside (NodeHost). */
export interface FailoverHost {
  /** The running node's role and epoch, and the primary it follows. */
  current(): {
    role: 'primary' | 'replica';
    epoch: number;
    primary: string;
    replicationId: string;
    position: LogPosition;
  };
  /** Restart the node in a new role (writes failover.json first). */
  switchTo(state: RoleState): void;
}

/**
 * Automatic failover for one region's process: the core Election, its messages carried over HTTP
 * (POST /_meridian/election with the admin token, the answer in the response), its term and vote in
 * `election.json`, and its decisions turned into role switches of the node. The node refuses writes
 * while the election says it holds no lease (the write gate).
 */
export class AutoFailover {
  readonly election: Election;
  private readonly regions: ReadonlySet<string>;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly inFlight = new Map<string, number>();
  private readonly token: string | undefined;
  /** The last role switch asked of the host (a switch takes a moment; the same one is not asked twice). */
  private lastSwitch = '';

  constructor(
    private readonly config: TopologyConfig,
    private readonly region: string,
    private readonly regionDir: string,
    private readonly host: FailoverHost,
    roleState: RoleState | undefined,
    private readonly report: Report,
    private readonly historyIdFor: (epoch: number) => string,
  ) {
    this.regions = new Set(config.regions.map((r) => r.name));
    this.token = config.auth.adminToken ?? config.auth.token;
    const saved = readElectionState(regionDir);
    const epoch = roleState?.epoch ?? 0;
    const term = Math.max(saved.term, epoch);
    const primary = term === epoch ? (roleState?.primary ?? config.primary) : undefined;
    const { heartbeatMs, leaseMs, electionTimeoutMs, clockDriftMax } = config.failover;
    this.election = new Election({
      self: region,
      regions: config.regions.map((r) => ({ name: r.name, priority: r.priority ?? 1 })),
      settings: { heartbeatMs, leaseMs, electionTimeoutMs, clockDriftMax },
      initial: { term, votedFor: term === saved.term ? saved.votedFor : undefined, primary },
      ports: {
        // Leases and timeouts run on the monotonic clock: a wall-clock step changes nothing.
        clock: {
          nowMs: () => performance.now(),
          setTimer: (delayMs, callback) => {
            const timer = setTimeout(callback, delayMs);
            return { cancel: () => clearTimeout(timer) };
          },
        },
        send: (to, message) => this.send(to, message),
        position: () => this.host.current().position,
        persist: (state) => writeElectionState(regionDir, state),
        onRole: (role) => this.onRole(role),
        onEvent: (event) => this.onEvent(event),
        random: Math.random,
      },
    });
  }

  start(): void {
    this.election.start();
  }

  stop(): void {
    this.election.stop();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Why the node may not take a write now (no lease); undefined when it may. */
  writeRefusal(): string | undefined {
    if (this.election.holdsLease()) return undefined;
    return `READONLY ${this.region} holds no lease from a majority of regions (epoch ${this.election.term}): failover in progress, retry in a moment`;
  }

  /** The node's endpoint for the other regions' messages. */
  endpoint(): ElectionEndpoint {
    return {
      receive: (value) => {
        const message = parseElectionMessage(value, this.regions);
        if (typeof message === 'string') return { error: message };
        return { reply: this.election.receive(message) ?? null };
      },
      status: () => {
        const role = this.election.role;
        return {
          automatic: true,
          term: this.election.term,
          role: role.kind,
          primary: this.election.primary ?? null,
          leaseHeld: this.election.holdsLease(),
          leaseRemainingMs: Math.round(Math.min(this.election.leaseRemainingMs(), 1e9)),
        };
      },
      resign: () => this.election.resign(),
      stand: (transfer) => this.election.standNow(transfer),
    };
  }

  private send(to: string, message: ElectionMessage): void {
    const peer = this.config.regions.find((r) => r.name === to);
    if (peer === undefined) return;
    // A region that does not answer gets at most two heartbeats in flight; votes always go.
    const pending = this.inFlight.get(to) ?? 0;
    if (message.t === 'heartbeat' && pending >= 2) return;
    this.inFlight.set(to, pending + 1);
    const timeoutMs = Math.max(200, Math.min(2_000, this.config.failover.electionTimeoutMs / 2));
    httpCall(
      `${regionBaseUrl(peer, this.config)}/_meridian/election`,
      { method: 'POST', token: this.token, body: JSON.stringify(message), timeoutMs, keepAlive: this.agents },
      to,
    )
      .then((answer) => {
        if (answer.status !== 200) return;
        const reply = parseElectionMessage(JSON.parse(answer.body) as unknown, this.regions);
        if (typeof reply !== 'string') this.election.receive(reply);
      })
      .catch(() => undefined)
      .finally(() => this.inFlight.set(to, (this.inFlight.get(to) ?? 1) - 1));
  }

  private onRole(role: ElectionRole): void {
    const current = this.host.current();
    if (role.kind === 'primary') {
      if (current.role === 'primary' && current.epoch === role.term) return;
      if (this.lastSwitch === `primary:${role.term}`) return;
      this.lastSwitch = `primary:${role.term}`;
      this.report(`meridian: elected primary of epoch ${role.term}; taking the writes over`, {
        event: 'failover.elected',
        level: 'warn',
        fields: { epoch: role.term },
      });
      this.host.switchTo({
        epoch: role.term,
        primary: this.region,
        replicationId: this.historyIdFor(role.term),
        previousHistory: { replicationId: current.replicationId, offset: current.position.offset },
      });
      return;
    }
    if (role.kind !== 'replica' || role.primary === undefined) return;
    if (current.role === 'replica' && current.primary === role.primary && current.epoch === role.term) return;
    if (this.lastSwitch === `${role.primary}:${role.term}`) return;
    this.lastSwitch = `${role.primary}:${role.term}`;
    this.report(`meridian: ${role.primary} is primary of epoch ${role.term}; following it`, {
      event: 'failover.follow',
      level: 'warn',
      fields: { epoch: role.term, primary: role.primary },
    });
    this.host.switchTo({ epoch: role.term, primary: role.primary });
  }

  private onEvent(event: ElectionEvent): void {
    const text: Record<ElectionEvent['kind'], string> = {
      'primary-lost': `no heartbeat from the primary for the election timeout: asking the regions for their votes`,
      standing: `standing for primary of epoch ${event.term}`,
      elected: `won the election for epoch ${event.term}`,
      'lease-acquired': `holds the lease of epoch ${event.term}: taking writes`,
      'lease-lost': `lost the lease of epoch ${event.term}: refusing writes`,
      'stepped-down': `stepped down in epoch ${event.term}`,
    };
    this.report(`meridian: ${text[event.kind]}`, {
      event: `election.${event.kind}`,
      level: event.kind === 'lease-acquired' || event.kind === 'standing' ? 'info' : 'warn',
      fields: { term: event.term },
    });
  }
}
