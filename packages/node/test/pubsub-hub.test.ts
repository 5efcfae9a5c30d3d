import { describe, expect, it } from 'vitest';
import {
  ERR_SLOW_SUBSCRIBER,
  PubSubHub,
  type PubSubEvent,
  RegionSubscriptions,
  SendBudget,
  type Subscriber,
  escapePayload,
  parseClientRequest,
} from '@meridian/node';

/** A subscriber whose "socket" never flushes: each delivery stays pending in its budget. */
class StuckSubscriber implements Subscriber {
  readonly events: PubSubEvent[] = [];
  closedWith: string | undefined;
  private readonly budget: SendBudget;
  constructor(messagesMax: number, bytes: () => number = () => 0) {
    this.budget = new SendBudget({ bufferBytesMax: 1000, bufferMessagesMax: messagesMax }, bytes);
  }
  deliver(event: PubSubEvent): boolean {
    if (!this.budget.take()) return false;
    this.events.push(event);
    return true;
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
}

describe('PubSubHub', () => {
  it('delivers to channel and pattern subscribers and counts receivers', () => {
    const hub = new PubSubHub();
    const a = new StuckSubscriber(100);
    const b = new StuckSubscriber(100);
    expect(hub.subscribe('news', a)).toBe(1);
    expect(hub.subscribe('news', a)).toBe(1);
    expect(hub.psubscribe('n*', a)).toBe(2);
    expect(hub.psubscribe('n*', b)).toBe(1);
    expect(hub.publish('news', 'hi')).toBe(3);
    expect(a.events).toEqual([
      { kind: 'message', channel: 'news', message: 'hi' },
      { kind: 'pmessage', pattern: 'n*', channel: 'news', message: 'hi' },
    ]);
    expect(hub.publish('other', 'x')).toBe(0);
    expect(hub.patternCount()).toBe(1);
    expect(hub.counts()).toEqual({ channels: [['news', 1]], patterns: [['n*', 2]] });
  });

  it('disconnects a subscriber over its message bound, at once and from everything, others unaffected', () => {
    const hub = new PubSubHub();
    const stuck = new StuckSubscriber(3);
    const fine = new StuckSubscriber(100);
    hub.subscribe('c', stuck);
    hub.psubscribe('*', stuck);
    hub.subscribe('c', fine);
    expect(hub.publish('c', '1')).toBe(3);
    expect(hub.publish('c', '2')).toBe(2);
    expect(stuck.closedWith).toBe(ERR_SLOW_SUBSCRIBER);
    expect(hub.subscriptionsOf(stuck)).toEqual({ channels: [], patterns: [] });
    expect(hub.patternCount()).toBe(0);
    expect(hub.publish('c', '3')).toBe(1);
    expect(fine.events.map((event) => event.message)).toEqual(['1', '2', '3']);
  });

  it('treats unsent bytes over the bound as overflow', () => {
    let buffered = 0;
    const hub = new PubSubHub();
    const subscriber = new StuckSubscriber(100, () => buffered);
    hub.subscribe('c', subscriber);
    expect(hub.publish('c', 'a')).toBe(1);
    buffered = 1001;
    expect(hub.publish('c', 'b')).toBe(0);
    expect(subscriber.closedWith).toBe(ERR_SLOW_SUBSCRIBER);
  });

  it('tells listeners about changes only, and forgets removed subscribers', () => {
    const hub = new PubSubHub();
    let changes = 0;
    const unlisten = hub.onChange(() => changes++);
    const s = new StuckSubscriber(10);
    hub.subscribe('a', s);
    hub.subscribe('a', s);
    hub.psubscribe('p*', s);
    hub.unsubscribe('missing', s);
    expect(changes).toBe(2);
    hub.remove(s);
    expect(changes).toBe(3);
    expect(hub.activeChannels()).toEqual([]);
    expect(hub.subscriberTotal()).toBe(0);
    unlisten();
    hub.subscribe('b', s);
    expect(changes).toBe(3);
    hub.closeAll('bye');
    expect(s.closedWith).toBe('bye');
    expect(hub.subscriberTotal()).toBe(0);
  });
});

describe('RegionSubscriptions', () => {
  it('sums fresh reports, matches patterns, and forgets stale or replaced regions', () => {
    const regions = new RegionSubscriptions(1000);
    const first = {};
    regions.set(
      'eu',
      first,
      {
        channels: [['news', 2]],
        patterns: [
          ['n*', 1],
          ['x*', 5],
        ],
      },
      0,
    );
    regions.set('ap', {}, { channels: [['news', 1]], patterns: [] }, 500);
    expect(regions.receivers('news', 900)).toBe(4);
    expect(regions.receivers('nope', 900)).toBe(1);
    regions.set('eu', {}, { channels: [], patterns: [] }, 900);
    regions.drop('eu', first);
    expect(regions.receivers('news', 900)).toBe(1);
    expect(regions.receivers('news', 1600)).toBe(0);
  });
});

describe('wire formats', () => {
  it('SSE escapes only CR and LF, so JSON payloads pass unchanged', () => {
    expect(escapePayload('a\nb\r\nc')).toBe('a\\nb\\r\\nc');
    const json = JSON.stringify({ text: 'line\nbreak, "quoted" \\ back' });
    expect(escapePayload(json)).toBe(json);
    expect(JSON.parse(escapePayload(json))).toEqual({ text: 'line\nbreak, "quoted" \\ back' });
  });

  it('WebSocket requests are validated', () => {
    expect(parseClientRequest('{"op":"subscribe","channels":["a"],"id":1}')).toEqual({
      op: 'subscribe',
      channels: ['a'],
      id: 1,
    });
    expect(parseClientRequest('{"op":"unsubscribe"}')).toEqual({ op: 'unsubscribe', channels: [] });
    expect(parseClientRequest('[1]')).toBe('ERR a request must be a JSON object');
    expect(parseClientRequest('{"op":"publish","channel":"a","message":1}')).toBe(
      'ERR publish needs a string channel and a string message',
    );
  });
});
