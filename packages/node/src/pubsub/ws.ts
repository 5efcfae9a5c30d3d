import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ByteString } from '@meridian/engine';
import type { Access, RestRequest } from '@meridian/rest';
import type { RestResponse } from '../handler.js';
import { type BufferLimits, SendBudget } from './budget.js';
import type { PubSubEvent, PubSubHub, Subscriber } from './hub.js';
import { refuseUpgrade, upgradeCredential } from './upgrade.js';

/** The WebSocket pub/sub endpoint (packages/node/PUBSUB.md). */
export const PUBSUB_WS_PATH = '/_meridian/pubsub';

/** Close code for a subscriber dropped for falling behind (ws's application range, 4000–4999). */
export const CLOSE_SLOW_SUBSCRIBER = 4008;
export const CLOSE_SHUTTING_DOWN = 1001;
const ERR_NOT_READING = 'MERIDIAN_PUBSUB_NOT_READING the client does not read its replies';

export interface WsEndpointLimits extends BufferLimits {
  /** Largest client message (ws `maxPayload`); a larger one closes the connection with 1009. */
  readonly messageBytesMax: number;
  /** Channels plus patterns one connection may hold. */
  readonly subscriptionsMax: number;
  readonly connectionsMax: number;
  /** Server pings at this interval; a connection that missed the previous pong is dropped. */
  readonly keepAliveMs: number;
}

export const WS_LIMITS_DEFAULT = { messageBytesMax: 1024 * 1024, subscriptionsMax: 10_000, connectionsMax: 10_000 };

export interface WsEndpointOptions {
  readonly hub: PubSubHub;
  /** The access a credential grants; undefined when refused. */
  readonly authenticate: (credential: string | undefined) => Access | undefined;
  /** Runs a REST request as the node would (PUBLISH goes through the log, forwarded from a replica). */
  readonly handle: (request: RestRequest) => RestResponse | Promise<RestResponse>;
  readonly limits: WsEndpointLimits;
}

type ClientOp = 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe' | 'publish';
const OPS = new Set<string>(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'publish']);

/** Text in JSON ⇄ byte strings in the engine: UTF-8 (bytes that are not UTF-8 arrive as U+FFFD). */
const toBytes = (text: string): ByteString => Buffer.from(text, 'utf8').toString('latin1');
const toText = (bytes: ByteString): string => Buffer.from(bytes, 'latin1').toString('utf8');

class WsSubscriber implements Subscriber {
  private readonly budget: SendBudget;
  private closed = false;

  constructor(
    readonly socket: WebSocket,
    limits: BufferLimits,
  ) {
    this.budget = new SendBudget(limits, () => socket.bufferedAmount);
  }

  deliver(event: PubSubEvent): boolean {
    if (this.closed || !this.budget.take()) return false;
    const json =
      event.kind === 'message'
        ? { type: 'message', channel: toText(event.channel), message: toText(event.message) }
        : {
            type: 'pmessage',
            pattern: toText(event.pattern),
            channel: toText(event.channel),
            message: toText(event.message),
          };
    this.socket.send(JSON.stringify(json), this.budget.settle);
    return true;
  }

  /**
   * Replies to the client's own requests, within the same budget as messages: a client that sends
   * requests without reading the replies is disconnected before its backlog costs more than the limits.
   */
  reply(value: Record<string, unknown>): void {
    if (this.closed) return;
    if (!this.budget.take()) {
      this.close(ERR_NOT_READING);
      return;
    }
    this.socket.send(JSON.stringify(value), this.budget.settle);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Over the byte limit the client is not reading: a close frame would queue behind the backlog.
    if (this.budget.overBytes()) this.socket.terminate();
    else this.socket.close(reason.startsWith('ERR the node') ? CLOSE_SHUTTING_DOWN : CLOSE_SLOW_SUBSCRIBER, reason);
  }
}

/**
 * `/_meridian/pubsub`: one WebSocket, many subscriptions. Clients send JSON requests
 * (`{"op":"subscribe","channels":[…]}` …, `{"op":"publish","channel","message"}`) and receive
 * JSON events; every limit has a default and going over it closes the connection with a reason.
 */
export class PubSubWsEndpoint {
  private readonly wss: WebSocketServer;
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly options: WsEndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.messageBytesMax,
      perMessageDeflate: false,
    });
    this.pinger = setInterval(() => this.ping(), options.limits.keepAliveMs);
    this.pinger.unref();
  }

  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const credential = upgradeCredential(request, url);
    const access = this.options.authenticate(credential);
    if (access === undefined) {
      refuseUpgrade(socket, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (this.wss.clients.size >= this.options.limits.connectionsMax) {
      refuseUpgrade(socket, 503, 'Service Unavailable', 'ERR too many pub/sub connections');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, credential));
  }

  close(): void {
    clearInterval(this.pinger);
    this.wss.close();
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  private accept(ws: WebSocket, credential: string | undefined): void {
    const subscriber = new WsSubscriber(ws, this.options.limits);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.alive.add(ws);
      const request = isBinary ? undefined : parseClientRequest(data.toString('utf8'));
      if (typeof request === 'string' || request === undefined) {
        subscriber.reply({ type: 'error', error: request ?? 'ERR requests are JSON text messages' });
        return;
      }
      this.serve(subscriber, request, credential);
    });
    ws.on('close', () => this.options.hub.remove(subscriber));
    ws.on('error', () => ws.terminate());
  }

  private serve(subscriber: WsSubscriber, request: ClientRequest, credential: string | undefined): void {
    const id = request.id === undefined ? {} : { id: request.id };
    if (request.op === 'publish') {
      void this.publish(request.channel, request.message, credential).then((answer) =>
        subscriber.reply({ ...answer, channel: request.channel, ...id }),
      );
      return;
    }
    const { hub, limits } = this.options;
    const pattern = request.op === 'psubscribe' || request.op === 'punsubscribe';
    const key = pattern ? 'pattern' : 'channel';
    if (request.op === 'subscribe' || request.op === 'psubscribe') {
      const held = hub.subscriptionsOf(subscriber);
      if (held.channels.length + held.patterns.length + request.channels.length > limits.subscriptionsMax) {
        subscriber.reply({ type: 'error', error: `ERR at most ${limits.subscriptionsMax} subscriptions`, ...id });
        return;
      }
      for (const name of request.channels) {
        const count = pattern ? hub.psubscribe(toBytes(name), subscriber) : hub.subscribe(toBytes(name), subscriber);
        subscriber.reply({ type: request.op, [key]: name, count, ...id });
      }
      return;
    }
    const held = hub.subscriptionsOf(subscriber);
    const names =
      request.channels.length > 0 ? request.channels : (pattern ? held.patterns : held.channels).map(toText);
    if (names.length === 0)
      subscriber.reply({ type: request.op, [key]: null, count: held.channels.length + held.patterns.length, ...id });
    for (const name of names) {
      const count = pattern ? hub.punsubscribe(toBytes(name), subscriber) : hub.unsubscribe(toBytes(name), subscriber);
      subscriber.reply({ type: request.op, [key]: name, count, ...id });
    }
  }

  private async publish(
    channel: string,
    message: string,
    credential: string | undefined,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (credential !== undefined) headers['authorization'] = `Bearer ${credential}`;
    const body = Buffer.from(JSON.stringify(['PUBLISH', channel, message]), 'utf8');
    const response = await this.options.handle({ method: 'POST', url: '/', headers, body });
    let answer: { result?: unknown; error?: unknown };
    try {
      answer = JSON.parse(response.body.toString()) as typeof answer;
    } catch {
      return { type: 'error', error: `ERR publish failed with HTTP ${response.status}` };
    }
    if (typeof answer.result === 'number') return { type: 'publish', count: answer.result };
    return { type: 'error', error: typeof answer.error === 'string' ? answer.error : 'ERR publish failed' };
  }
}

type ClientRequest =
  | { readonly op: Exclude<ClientOp, 'publish'>; readonly channels: readonly string[]; readonly id?: unknown }
  | { readonly op: 'publish'; readonly channel: string; readonly message: string; readonly id?: unknown };

/** A client request, or the error text for one that is malformed. */
export function parseClientRequest(text: string): ClientRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'ERR a request must be a JSON object';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'ERR a request must be a JSON object';
  const { op, channels, channel, message, id } = value as Record<string, unknown>;
  const withId = id === undefined ? {} : { id };
  if (typeof op !== 'string' || !OPS.has(op)) {
    return 'ERR op must be one of subscribe, psubscribe, unsubscribe, punsubscribe, publish';
  }
  if (op === 'publish') {
    if (typeof channel !== 'string' || typeof message !== 'string') {
      return 'ERR publish needs a string channel and a string message';
    }
    return { op, channel, message, ...withId };
  }
  const list = channels ?? [];
  if (!Array.isArray(list) || !list.every((name) => typeof name === 'string')) {
    return `ERR ${op} needs channels: an array of strings`;
  }
  if (list.length === 0 && (op === 'subscribe' || op === 'psubscribe')) return `ERR ${op} needs at least one channel`;
  return { op: op as Exclude<ClientOp, 'publish'>, channels: list as string[], ...withId };
}
