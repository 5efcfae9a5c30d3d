import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMismatch } from '../../../../test/support/differential.js';
import { fuzzRuns } from '../../../../test/support/fuzz.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';

/** With no subscribers anywhere both sides must agree on every reply and error text. */
const errorCases: string[][] = [
  ['PUBLISH'],
  ['PUBLISH', 'a'],
  ['PUBLISH', 'a', 'b', 'c'],
  ['PUBSUB'],
  ['PUBSUB', 'CHANNELS', 'a', 'b'],
  ['PUBSUB', 'channels', 'a', 'b'],
  ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
  ['PUBSUB', 'NUMPAT', 'x'],
  ['PUBSUB', 'HELP', 'x'],
  ['PUBSUB', 'FOO'],
  ['PUBSUB', 'Foo', 'bar'],
  ['PUBSUB', 'HELP'],
  ['PUBSUB', 'help'],
  ['PUBSUB', 'NUMSUB'],
  ['PUBSUB', 'SHARDNUMSUB', 'a', 'b'],
  ['PUBSUB', 'SHARDCHANNELS'],
  ['SUBSCRIBE'],
  ['PSUBSCRIBE'],
];

const channel = fc.constantFrom('a', 'b', 'news', 'n\u00e9', '', '*', 'h?llo', '[ab]');
const command = fc.oneof(
  fc.tuple(channel, fc.string({ maxLength: 6 })).map(([c, m]) => ['PUBLISH', c, m]),
  fc.array(channel, { maxLength: 4 }).map((channels) => ['PUBSUB', 'NUMSUB', ...channels]),
  fc.option(channel, { nil: undefined }).map((p) => ['PUBSUB', 'CHANNELS', ...(p === undefined ? [] : [p])]),
  fc.constantFrom(['PUBSUB', 'NUMPAT'], ['pubsub', 'numpat'], ['PUBSUB', 'HELP']),
  fc.tuple(channel, fc.string({ maxLength: 4 })).map(([k, v]) => ['SET', k, v]),
);

describe.runIf(oracleWanted())('pub/sub vs redis-server 7.0 (no subscribers)', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('error texts and arities', async () => {
    expect(await firstMismatch(oracle, errorCases)).toBeUndefined();
  });

  it('random PUBLISH / PUBSUB sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        expect(await firstMismatch(oracle, commands)).toBeUndefined();
      }),
      fuzzRuns(60),
    );
  });
});
