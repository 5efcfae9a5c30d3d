import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ByteString, Engine } from '@meridian/engine';
import { PubSubHub, type PubSubEvent, type Subscriber } from '@meridian/node';
import { fuzzRuns } from '../../../test/support/fuzz.js';
import { normalizeReply, type Oracle, RespClient, oracleWanted, startOracle } from '../../../test/support/oracle.js';

/** A subscriber that takes everything, recording what it got. */
class Recorder implements Subscriber {
  readonly events: PubSubEvent[] = [];
  deliver(event: PubSubEvent): boolean {
    this.events.push(event);
    return true;
  }
  close(): void {}
}

const channel = fc.constantFrom('a', 'b', 'news', 'n\u00e9', 'h?llo', '[ab]', '*');
const pattern = fc.constantFrom('*', 'n*', 'h?llo', '[ab]', 'a', '\\*', 'n\u00e9*');
/** Per connection: channels and patterns it subscribes to. */
const setup = fc.array(
  fc.record({
    channels: fc.uniqueArray(channel, { maxLength: 3 }),
    patterns: fc.uniqueArray(pattern, { maxLength: 2 }),
  }),
  {
    minLength: 1,
    maxLength: 4,
  },
);
const command = fc.oneof(
  fc.tuple(channel, fc.string({ maxLength: 5 })).map(([c, m]) => ['PUBLISH', c, m]),
  fc.array(channel, { maxLength: 4 }).map((channels) => ['PUBSUB', 'NUMSUB', ...channels]),
  fc.option(pattern, { nil: undefined }).map((p) => ['PUBSUB', 'CHANNELS', ...(p === undefined ? [] : [p])]),
  fc.constant(['PUBSUB', 'NUMPAT']),
);

/** PUBSUB CHANNELS is unordered in Redis. */
function comparable(argv: readonly string[], reply: unknown): unknown {
  return argv[0] === 'PUBSUB' && argv[1] === 'CHANNELS' && Array.isArray(reply)
    ? [...(reply as string[])].sort()
    : reply;
}

describe.runIf(oracleWanted())('PubSubHub behind the engine vs redis-server 7.0, with subscribers', () => {
  let oracle: Oracle;
  let port: number;
  beforeAll(async () => {
    oracle = await startOracle();
    const config = (await oracle.client.send(['CONFIG', 'GET', 'port'])) as string[];
    port = Number(config[1]);
  });
  afterAll(async () => {
    await oracle.stop();
  });

  it('PUBLISH counts and PUBSUB CHANNELS / NUMSUB / NUMPAT agree', async () => {
    await fc.assert(
      fc.asyncProperty(setup, fc.array(command, { minLength: 1, maxLength: 15 }), async (connections, commands) => {
        const hub = new PubSubHub();
        const engine = new Engine({ role: 'primary' });
        engine.host = {
          publish: (c: ByteString, m: ByteString) => hub.publish(c, m),
          pubsubChannels: () => hub.activeChannels(),
          pubsubSubscribers: (c: ByteString) => hub.subscriberCount(c),
          pubsubPatterns: () => hub.patternCount(),
        };
        const redisClients: RespClient[] = [];
        try {
          for (const { channels, patterns } of connections) {
            const client = await RespClient.connect(port);
            redisClients.push(client);
            const recorder = new Recorder();
            for (const name of channels) {
              await client.send(['SUBSCRIBE', name]);
              hub.subscribe(name, recorder);
            }
            for (const name of patterns) {
              await client.send(['PSUBSCRIBE', name]);
              hub.psubscribe(name, recorder);
            }
          }
          for (const argv of commands) {
            const ours = comparable(argv, normalizeReply(engine.execute(argv, Date.now()).reply));
            const redis = comparable(argv, normalizeReply(await oracle.client.send(argv)));
            expect({ argv, reply: ours }).toEqual({ argv, reply: redis });
          }
        } finally {
          for (const client of redisClients) client.close();
          // Redis drops a closed connection's subscriptions asynchronously: wait until it has.
          for (let i = 0; i < 200; i++) {
            if (
              (await oracle.client.send(['PUBSUB', 'NUMPAT'])) === 0 &&
              ((await oracle.client.send(['PUBSUB', 'CHANNELS'])) as string[]).length === 0
            )
              break;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      }),
      fuzzRuns(150),
    );
  });
});
