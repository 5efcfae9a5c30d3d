import type http from 'node:http';
import { CORS_HEADERS } from '@meridian/rest';
import type { StreamHandler } from '../http-server.js';
import { type BufferLimits, SendBudget } from './budget.js';
import type { PubSubEvent, PubSubHub, Subscriber } from './hub.js';

export interface SseOptions extends BufferLimits {
  /** Interval of `: ping` comments that keep proxies from closing idle streams. */
  readonly keepAliveMs: number;
  readonly syncToken: () => string;
}

export const KEEP_ALIVE_MS_DEFAULT = 15_000;

/**
 * Payload framing: an event is one `data: ` line, so CR and LF inside a payload are sent as the
 * two-character sequences `\r` and `\n`. Nothing else is escaped: JSON payloads (what the SDK
 * publishes, and JSON never holds a raw line break) arrive unchanged, and the SDK's JSON.parse gives
 * back the published value. Bytes are sent as they are (UTF-8 for text).
 */
export function escapePayload(payload: string): string {
  return payload.includes('\n') || payload.includes('\r')
    ? payload.replace(/\r/g, '\\r').replace(/\n/g, '\\n')
    : payload;
}

function eventLine(event: PubSubEvent): Buffer {
  const text =
    event.kind === 'message'
      ? `data: message,${escapePayload(event.channel)},${escapePayload(event.message)}\n\n`
      : `data: pmessage,${escapePayload(event.pattern)},${escapePayload(event.channel)},${escapePayload(event.message)}\n\n`;
  return Buffer.from(text, 'latin1');
}

class SseSubscriber implements Subscriber {
  private closed = false;
  private readonly budget: SendBudget;

  constructor(
    private readonly response: http.ServerResponse,
    limits: BufferLimits,
  ) {
    this.budget = new SendBudget(limits, () => response.writableLength);
  }

  deliver(event: PubSubEvent): boolean {
    if (this.closed || this.response.destroyed || !this.budget.take()) return false;
    this.response.write(eventLine(event), this.budget.settle);
    return true;
  }

  /** Nothing waits to be sent, so a keep-alive comment costs nothing. */
  idle(): boolean {
    return !this.closed && this.response.writableLength === 0;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // A client that does not read would never see a final event: free the buffers now.
    if (this.budget.overBytes()) this.response.destroy();
    else this.response.end(`data: error,${escapePayload(reason)}\n\n`);
  }
}

/** Starts a server-sent event stream: its headers (with the sync token), no socket timeout. */
export function openEventStream(response: http.ServerResponse, syncToken: string): void {
  response.writeHead(200, {
    ...CORS_HEADERS,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'upstash-sync-token': syncToken,
  });
  response.socket?.setTimeout(0);
}

/** `/subscribe/<channel>…` and `/psubscribe/<pattern>…` as server-sent events, UPSTASH-REST.md's format. */
export function createSseHandler(hub: PubSubHub, options: SseOptions): StreamHandler {
  return (parsed, request, response) => {
    if (parsed.stream === 'monitor' || parsed.channels.length === 0) {
      const message = parsed.stream === 'monitor' ? 'ERR MONITOR is not supported' : 'ERR a channel is required';
      response.writeHead(400, { ...CORS_HEADERS, 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: message }));
      return;
    }
    openEventStream(response, options.syncToken());
    const subscriber = new SseSubscriber(response, options);
    const pattern = parsed.stream === 'psubscribe';
    for (const name of parsed.channels) {
      if (pattern) hub.psubscribe(name, subscriber);
      else hub.subscribe(name, subscriber);
      // Upstash sends count 1 for each channel of a stream (one stream per channel in the SDK).
      response.write(Buffer.from(`data: ${parsed.stream},${escapePayload(name)},1\n\n`, 'latin1'));
    }
    const keepAlive = setInterval(() => {
      if (!subscriber.idle()) return;
      response.write(': ping\n\n');
    }, options.keepAliveMs);
    keepAlive.unref();
    response.once('close', () => {
      clearInterval(keepAlive);
      hub.remove(subscriber);
    });
  };
}
