import { describe, expect, it } from 'vitest';
import { type ByteString, Engine, type EngineHost, findCommand, ReplyError } from '@meridian/engine';

const NOW_MS = 1_700_000_000_000;

/** A host with fixed subscriptions: channel → subscribers, plus pattern subscriptions. */
function hostWith(channels: Record<string, number>, patterns: number, log: string[] = []): EngineHost {
  return {
    publish: (channel, message) => (log.push(`${channel}=${message}`), channels[channel] ?? 0),
    pubsubChannels: () => Object.keys(channels),
    pubsubSubscribers: (channel: ByteString) => channels[channel] ?? 0,
    pubsubPatterns: () => patterns,
  };
}

function run(engine: Engine, ...argv: string[]): unknown {
  const reply = engine.execute(argv, NOW_MS).reply;
  return reply instanceof ReplyError ? { error: reply.message } : reply;
}

describe('PUBLISH', () => {
  it('is a write that travels as is, delivers through the host and answers its count', () => {
    const delivered: string[] = [];
    const engine = new Engine({ role: 'primary' });
    engine.host = hostWith({ news: 3 }, 0, delivered);
    const result = engine.execute(['PUBLISH', 'news', 'a\nb\u00ff'], NOW_MS);
    expect(result.reply).toBe(3);
    expect(result.effects).toEqual([['PUBLISH', 'news', 'a\nb\u00ff']]);
    expect(delivered).toEqual(['news=a\nb\u00ff']);
    expect(engine.db.data.size).toBe(0);
    const info = findCommand('publish');
    expect(info?.isWrite).toBe(true);
    expect(info?.flags).toContain('pubsub');
  });

  it('answers 0 on a node without subscribers or without a pub/sub host', () => {
    expect(run(new Engine({ role: 'primary' }), 'PUBLISH', 'c', 'm')).toBe(0);
    const engine = new Engine({ role: 'primary' });
    engine.host = hostWith({}, 0);
    expect(run(engine, 'PUBLISH', 'c', 'm')).toBe(0);
  });

  it('is delivered on a replica while it applies the effect, in order with the writes around it', () => {
    const order: string[] = [];
    const primary = new Engine({ role: 'primary' });
    const replica = new Engine({ role: 'replica' });
    replica.host = {
      publish: (channel, message) => {
        order.push(`${channel}:${message}:${String(replica.execute(['GET', 'k'], NOW_MS).reply)}`);
        return 1;
      },
    };
    for (const argv of [
      ['SET', 'k', '1'],
      ['PUBLISH', 'c', 'x'],
      ['SET', 'k', '2'],
      ['PUBLISH', 'c', 'y'],
    ]) {
      replica.applyEffects(primary.execute(argv, NOW_MS).effects, NOW_MS);
    }
    expect(order).toEqual(['c:x:1', 'c:y:2']);
  });

  it('inside MULTI is logged with the transaction, after the writes before it', () => {
    const engine = new Engine({ role: 'primary' });
    engine.host = hostWith({ c: 1 }, 0);
    const results = [['MULTI'], ['SET', 'k', 'v'], ['PUBLISH', 'c', 'm'], ['EXEC']].map(
      (argv) => engine.execute(argv, NOW_MS).effects,
    );
    const effects = results.flat();
    expect(effects.findIndex((argv) => argv[0] === 'PUBLISH')).toBeGreaterThan(
      effects.findIndex((argv) => argv[0]?.toUpperCase() === 'SET'),
    );
  });
});

describe('PUBSUB', () => {
  const engine = new Engine({ role: 'primary' });
  engine.host = hostWith({ news: 2, sport: 1, 'n\u00e9': 1 }, 4);

  it('CHANNELS, NUMSUB and NUMPAT ask the host', () => {
    expect(run(engine, 'PUBSUB', 'CHANNELS')).toEqual(['news', 'sport', 'n\u00e9']);
    expect(run(engine, 'pubsub', 'channels', 'n*')).toEqual(['news', 'n\u00e9']);
    expect(run(engine, 'PUBSUB', 'NUMSUB', 'news', 'none', 'sport')).toEqual(['news', 2, 'none', 0, 'sport', 1]);
    expect(run(engine, 'PUBSUB', 'NUMSUB')).toEqual([]);
    expect(run(engine, 'PUBSUB', 'NUMPAT')).toBe(4);
    expect(run(engine, 'PUBSUB', 'SHARDCHANNELS')).toEqual([]);
    expect(run(engine, 'PUBSUB', 'SHARDNUMSUB', 'news')).toEqual(['news', 0]);
  });

  it('answers Redis 7.0 errors for wrong forms', () => {
    expect(run(engine, 'PUBSUB', 'CHANNELS', 'a', 'b')).toEqual({
      error: "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.",
    });
    expect(run(engine, 'PUBSUB', 'NUMPAT', 'x')).toEqual({
      error: "ERR wrong number of arguments for 'pubsub|numpat' command",
    });
    expect(run(engine, 'PUBSUB', 'Foo')).toEqual({ error: "ERR unknown subcommand 'Foo'. Try PUBSUB HELP." });
    expect(run(engine, 'PUBSUB')).toEqual({ error: "ERR wrong number of arguments for 'pubsub' command" });
  });

  it('is read-only and propagates nothing', () => {
    expect(findCommand('pubsub')?.isReadonly).toBe(true);
    expect(engine.execute(['PUBSUB', 'NUMPAT'], NOW_MS).effects).toEqual([]);
  });
});

describe('SUBSCRIBE and its kin as commands', () => {
  it.each([['SUBSCRIBE', 'a'], ['PSUBSCRIBE', 'a*'], ['UNSUBSCRIBE'], ['PUNSUBSCRIBE', 'a*']])(
    '%s answers an error naming the subscriber endpoints',
    (...argv) => {
      const engine = new Engine({ role: 'primary' });
      const reply = run(engine, ...argv) as { error: string };
      expect(reply.error).toMatch(/^ERR [A-Z]+ needs a subscriber connection/);
      expect(reply.error).toContain('/_meridian/pubsub');
      expect(engine.execute(argv, NOW_MS).effects).toEqual([]);
    },
  );

  it('keeps Redis arity errors', () => {
    expect(run(new Engine({ role: 'primary' }), 'SUBSCRIBE')).toEqual({
      error: "ERR wrong number of arguments for 'subscribe' command",
    });
    expect(findCommand('subscribe')?.isWrite).toBe(false);
  });
});
