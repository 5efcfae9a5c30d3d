import { type ByteString, globMatch } from '@meridian/engine';

/** One receiver of messages: an SSE stream (or any other transport). */
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

/**
 * This node's channel and pattern subscriptions. Publishing delivers to the local subscribers only:
 * a message reaches other regions through the replication stream, and their hubs deliver it there.
 */
export class PubSubHub {
  private readonly channels = new Map<ByteString, Set<Subscriber>>();
  private readonly patterns = new Map<ByteString, Set<Subscriber>>();

  subscribe(channel: ByteString, subscriber: Subscriber): void {
    add(this.channels, channel, subscriber);
  }

  psubscribe(pattern: ByteString, subscriber: Subscriber): void {
    add(this.patterns, pattern, subscriber);
  }

  /** Removes `subscriber` from every channel and pattern (on disconnect). */
  remove(subscriber: Subscriber): void {
    for (const [name, set] of this.channels) if (set.delete(subscriber) && set.size === 0) this.channels.delete(name);
    for (const [name, set] of this.patterns) if (set.delete(subscriber) && set.size === 0) this.patterns.delete(name);
  }

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
      subscriber.close('ERR subscriber too slow: its buffer limit was exceeded');
    }
    return receivers;
  }

  activeChannels(): ByteString[] {
    return [...this.channels.keys()];
  }

  subscriberCount(channel: ByteString): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  patternCount(): number {
    let count = 0;
    for (const set of this.patterns.values()) count += set.size;
    return count;
  }

  /** Closes every subscriber (shutdown). */
  closeAll(reason: string): void {
    const all = new Set<Subscriber>();
    for (const set of [...this.channels.values(), ...this.patterns.values()]) for (const s of set) all.add(s);
    this.channels.clear();
    this.patterns.clear();
    for (const subscriber of all) subscriber.close(reason);
  }
}

function add(map: Map<ByteString, Set<Subscriber>>, name: ByteString, subscriber: Subscriber): void {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(subscriber);
}
