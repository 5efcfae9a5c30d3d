import { type ByteString, globMatch } from '@meridian/engine';

/** One receiver of messages: an SSE stream, a WebSocket connection. */
export interface Subscriber {
  /** Delivers one event; returns false when the subscriber is gone or over its buffer limit. */
  deliver(event: PubSubEvent): boolean;
  /** Drops the subscriber (buffer overflow, shutdown), with a reason for its client. */
  close(reason: string): void;
}

export type PubSubEvent =
  | { readonly kind: 'message'; readonly channel: ByteString; readonly message: ByteString }
  | {
      readonly kind: 'pmessage';
      readonly pattern: ByteString;
      readonly channel: ByteString;
      readonly message: ByteString;
    };

/** Subscriber counts per channel and per pattern: what a replica reports to the primary. */
export interface SubscriptionCounts {
  readonly channels: readonly (readonly [ByteString, number])[];
  readonly patterns: readonly (readonly [ByteString, number])[];
}

export const ERR_SLOW_SUBSCRIBER = 'ERR subscriber too slow: its buffer limit was exceeded';

interface Subscriptions {
  readonly channels: Set<ByteString>;
  readonly patterns: Set<ByteString>;
}

/**
 * This node's channel and pattern subscriptions. Publishing delivers to the local subscribers only:
 * a message reaches other regions through the replication stream, and their hubs deliver it there.
 * A subscriber that cannot take a message is unsubscribed from everything and closed at once.
 */
export class PubSubHub {
  private readonly channels = new Map<ByteString, Set<Subscriber>>();
  private readonly patterns = new Map<ByteString, Set<Subscriber>>();
  private readonly subscriptions = new Map<Subscriber, Subscriptions>();
  private readonly listeners = new Set<() => void>();

  /** Adds a channel subscription; returns the subscriber's subscription count (Redis's reply). */
  subscribe(channel: ByteString, subscriber: Subscriber): number {
    const own = this.own(subscriber);
    if (!own.channels.has(channel)) {
      own.channels.add(channel);
      add(this.channels, channel, subscriber);
      this.changed();
    }
    return own.channels.size + own.patterns.size;
  }

  psubscribe(pattern: ByteString, subscriber: Subscriber): number {
    const own = this.own(subscriber);
    if (!own.patterns.has(pattern)) {
      own.patterns.add(pattern);
      add(this.patterns, pattern, subscriber);
      this.changed();
    }
    return own.channels.size + own.patterns.size;
  }

  unsubscribe(channel: ByteString, subscriber: Subscriber): number {
    const own = this.subscriptions.get(subscriber);
    if (own?.channels.delete(channel) === true) {
      drop(this.channels, channel, subscriber);
      this.changed();
    }
    return this.countOf(subscriber);
  }

  punsubscribe(pattern: ByteString, subscriber: Subscriber): number {
    const own = this.subscriptions.get(subscriber);
    if (own?.patterns.delete(pattern) === true) {
      drop(this.patterns, pattern, subscriber);
      this.changed();
    }
    return this.countOf(subscriber);
  }

  /** The subscriber's channels and patterns, in subscription order. */
  subscriptionsOf(subscriber: Subscriber): { channels: ByteString[]; patterns: ByteString[] } {
    const own = this.subscriptions.get(subscriber);
    return { channels: [...(own?.channels ?? [])], patterns: [...(own?.patterns ?? [])] };
  }

  /** Removes `subscriber` from every channel and pattern (on disconnect). */
  remove(subscriber: Subscriber): void {
    const own = this.subscriptions.get(subscriber);
    if (own === undefined) return;
    this.subscriptions.delete(subscriber);
    for (const channel of own.channels) drop(this.channels, channel, subscriber);
    for (const pattern of own.patterns) drop(this.patterns, pattern, subscriber);
    if (own.channels.size + own.patterns.size > 0) this.changed();
  }

  /** Messages delivered to a subscriber here, since start. */
  deliveries = 0;
  /** Subscribers cut off because they did not keep up, since start. */
  slowSubscribers = 0;

  /** Delivers to channel and matching pattern subscribers; returns how many received it. */
  publish(channel: ByteString, message: ByteString): number {
    let receivers = 0;
    const failed: Subscriber[] = [];
    for (const subscriber of this.channels.get(channel) ?? []) {
      if (subscriber.deliver({ kind: 'message', channel, message })) receivers++;
      else failed.push(subscriber);
    }
    for (const [pattern, subscribers] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      for (const subscriber of subscribers) {
        if (subscriber.deliver({ kind: 'pmessage', pattern, channel, message })) receivers++;
        else failed.push(subscriber);
      }
    }
    for (const subscriber of failed) {
      this.remove(subscriber);
      subscriber.close(ERR_SLOW_SUBSCRIBER);
    }
    this.deliveries += receivers;
    this.slowSubscribers += failed.length;
    return receivers;
  }

  activeChannels(): ByteString[] {
    return [...this.channels.keys()];
  }

  subscriberCount(channel: ByteString): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** Distinct patterns with a subscriber (PUBSUB NUMPAT counts unique patterns since Redis 7.0). */
  patternCount(): number {
    return this.patterns.size;
  }

  subscriberTotal(): number {
    return this.subscriptions.size;
  }

  counts(): SubscriptionCounts {
    const channels = [...this.channels].map(([name, set]) => [name, set.size] as const);
    const patterns = [...this.patterns].map(([name, set]) => [name, set.size] as const);
    return { channels, patterns };
  }

  /** Calls `listener` after every change of the subscription counts; returns the unsubscriber. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes every subscriber (shutdown). */
  closeAll(reason: string): void {
    const all = [...this.subscriptions.keys()];
    for (const subscriber of all) this.remove(subscriber);
    for (const subscriber of all) subscriber.close(reason);
  }

  private own(subscriber: Subscriber): Subscriptions {
    let own = this.subscriptions.get(subscriber);
    if (own === undefined) this.subscriptions.set(subscriber, (own = { channels: new Set(), patterns: new Set() }));
    return own;
  }

  private countOf(subscriber: Subscriber): number {
    const own = this.subscriptions.get(subscriber);
    return own === undefined ? 0 : own.channels.size + own.patterns.size;
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function add(map: Map<ByteString, Set<Subscriber>>, name: ByteString, subscriber: Subscriber): void {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(subscriber);
}

function drop(map: Map<ByteString, Set<Subscriber>>, name: ByteString, subscriber: Subscriber): void {
  const set = map.get(name);
  if (set?.delete(subscriber) === true && set.size === 0) map.delete(name);
}
