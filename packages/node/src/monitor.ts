import type http from 'node:http';
import type { ByteString } from '@meridian/engine';
import { CORS_HEADERS } from '@meridian/rest';
import type { CommandBatch, CommandRouter, RunContext, RunResult } from '@meridian/core';
import { type BufferLimits, BUFFER_LIMITS_DEFAULT, SendBudget } from './pubsub/budget.js';
import { openEventStream } from './pubsub/sse.js';

/** MONITOR streams one node may serve at once. */
export const MONITORS_MAX = 16;

/** One argument as Redis's MONITOR prints it: quoted, with \\ \" \n \r \t \a \b escaped and other bytes below 0x20 or above 0x7e as \xHH. */
export function monitorQuote(arg: ByteString): string {
  let out = '"';
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c < 0x20 || c > 0x7e) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += arg[i];
  }
  return `${out}"`;
}

interface Watcher {
  readonly response: http.ServerResponse;
  readonly budget: SendBudget;
}

/**
 * MONITOR over REST (`POST /monitor`, admin token): every command this node runs, as a server-sent
 * event per command in Redis's MONITOR line format (`<seconds.micros> [0 <region>] "SET" "k" "v"`).
 * Bounded: at most MONITORS_MAX streams, and a stream whose reader falls behind its buffer budget is
 * ended with an error event (counted).
 */
export class CommandMonitor {
  private readonly watchers = new Set<Watcher>();
  /** Streams cut because their reader fell behind. */
  droppedSlow = 0;

  constructor(
    private readonly region: string,
    private readonly nowMs: () => number,
    private readonly limits: BufferLimits = BUFFER_LIMITS_DEFAULT,
  ) {}

  get active(): boolean {
    return this.watchers.size > 0;
  }

  get count(): number {
    return this.watchers.size;
  }

  /** Answers a monitor request: 429 past the stream limit, else an open event stream. */
  open(response: http.ServerResponse, syncToken: string): void {
    if (this.watchers.size >= MONITORS_MAX) {
      response.writeHead(429, { ...CORS_HEADERS, 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `ERR at most ${MONITORS_MAX} MONITOR streams at once on a node` }));
      return;
    }
    openEventStream(response, syncToken);
    response.write('data: OK\n\n');
    const watcher: Watcher = { response, budget: new SendBudget(this.limits, () => response.writableLength) };
    this.watchers.add(watcher);
    response.once('close', () => this.watchers.delete(watcher));
  }

  feed(batch: CommandBatch): void {
    if (this.watchers.size === 0) return;
    const commands = batch.kind === 'command' ? [batch.argv] : batch.commands;
    const ms = this.nowMs();
    const stamp = `${Math.floor(ms / 1000)}.${String(Math.floor((ms % 1000) * 1000)).padStart(6, '0')}`;
    let text = '';
    for (const argv of commands) text += `data: ${stamp} [0 ${this.region}] ${argv.map(monitorQuote).join(' ')}\n\n`;
    const bytes = Buffer.from(text, 'latin1');
    for (const watcher of this.watchers) {
      if (watcher.response.destroyed) continue;
      if (!watcher.budget.take()) {
        this.droppedSlow++;
        this.watchers.delete(watcher);
        if (watcher.budget.overBytes()) watcher.response.destroy();
        else watcher.response.end('data: error,ERR the MONITOR reader fell behind\n\n');
        continue;
      }
      watcher.response.write(bytes, watcher.budget.settle);
    }
  }

  close(): void {
    for (const watcher of this.watchers) watcher.response.end('data: error,ERR the node is shutting down\n\n');
    this.watchers.clear();
  }
}

/** A CommandRouter that shows every batch to the monitor before running it. */
export class MonitoredRouter implements CommandRouter {
  constructor(
    private readonly inner: CommandRouter,
    private readonly monitor: CommandMonitor,
  ) {}

  run(batch: CommandBatch, context: RunContext): RunResult | Promise<RunResult> {
    if (this.monitor.active) this.monitor.feed(batch);
    return this.inner.run(batch, context);
  }

  currentSyncToken(): string {
    return this.inner.currentSyncToken();
  }

  currentStalenessMs(): number {
    return this.inner.currentStalenessMs();
  }
}
