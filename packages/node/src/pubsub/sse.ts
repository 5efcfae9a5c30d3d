import type http from 'node:http';
import { CORS_HEADERS } from '@meridian/rest';
import type { StreamHandler } from '../http-server.js';
import type { PubSubEvent, PubSubHub, Subscriber } from './hub.js';

export interface SseOptions {
  /** Bytes a subscriber may have unsent before it is disconnected. */
  readonly bufferBytesMax: number;
  /** Interval of `: ping` comments that keep proxies from closing idle streams. */
  readonly keepAliveMs: number;
  readonly syncToken: () => string;
}

export const SSE_DEFAULTS = { bufferBytesMax: 1024 * 1024, keepAliveMs: 15_000 };

/**
 * Payload framing: an event is one `data: ` line, so CR and LF inside a payload are sent as the
 * two-character sequences `\r` and `\n` (nothing else is escaped, so JSON payloads — which never hold
 * raw line breaks — arrive unchanged). Bytes are sent as they are (UTF-8 for text).
 */
export function escapePayload(payload: string): string {
  return payload.includes('\n') || payload.includes('\r')
    ? payload.replace(/\r/g, '\\r').replace(/\n/g, '\\n')
    : payload;
}

function line(event: PubSubEvent): Buffer {
  const text =
    event.kind === 'message'
      ? `data: message,${escapePayload(event.channel)},${escapePayload(event.message)}\n\n`
      : `data: pmessage,${escapePayload(event.pattern)},${escapePayload(event.channel)},${escapePayload(event.message)}\n\n`;
  return Buffer.from(text, 'latin1');
}

class SseSubscriber implements Subscriber {
  private closed = false;
  constructor(
    private readonly response: http.ServerResponse,
    private readonly bufferBytesMax: number,
  ) {}

  deliver(event: PubSubEvent): boolean {
    if (this.closed || this.response.destroyed) return false;
    if (this.response.writableLength > this.bufferBytesMax) return false;
    this.response.write(line(event));
    return true;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.response.writableLength > this.bufferBytesMax) {
      // It does not read: a final event would never arrive. Free everything now.
      this.response.destroy();
      return;
    }
    this.response.end(`data: error,${escapePayload(reason)}\n\n`);
  }
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
    response.writeHead(200, {
      ...CORS_HEADERS,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'upstash-sync-token': options.syncToken(),
    });
    request.socket.setTimeout(0);
    const subscriber = new SseSubscriber(response, options.bufferBytesMax);
    const pattern = parsed.stream === 'psubscribe';
    for (const name of parsed.channels) {
      if (pattern) hub.psubscribe(name, subscriber);
      else hub.subscribe(name, subscriber);
      response.write(Buffer.from(`data: ${parsed.stream},${escapePayload(name)},1\n\n`, 'latin1'));
    }
    const keepAlive = setInterval(() => {
      if (response.writableLength <= options.bufferBytesMax) response.write(': ping\n\n');
    }, options.keepAliveMs);
    keepAlive.unref();
    response.once('close', () => {
      clearInterval(keepAlive);
      hub.remove(subscriber);
    });
  };
}
