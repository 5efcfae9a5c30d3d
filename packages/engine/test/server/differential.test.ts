import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { firstMismatch } from '../../../../test/support/differential.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';

/** Commands whose replies (errors included) must equal Redis 7.0's with a single database. */
const targetedCases: string[][] = [
  ['PING'],
  ['PING', 'hello'],
  ['PING', 'a', 'b'],
  ['ECHO', 'bytes\u00ff\u0000'],
  ['ECHO'],
  ['TIME', 'x'],
  ['DBSIZE', 'x'],
  ['LASTSAVE', 'x'],
  ['SET', 'a', '1'],
  ['SADD', 'b', 'm'],
  ['DBSIZE'],
  ['FLUSHALL', 'x'],
  ['FLUSHALL', 'async', 'x'],
  ['FLUSHDB', 'bogus'],
  ['DBSIZE'],
  ['FLUSHDB', 'Sync'],
  ['DBSIZE'],
  ['SET', 'a', '1'],
  ['FLUSHALL', 'ASYNC'],
  ['FLUSHALL'],
  ['DBSIZE'],
  ['SELECT'],
  ['SELECT', '0'],
  ['SELECT', 'x'],
  ['SELECT', '99999999999'],
  ['SELECT', '-1'],
  ['SELECT', '16'],
  ['SWAPDB', '0'],
  ['SWAPDB', '0', '0'],
  ['SWAPDB', 'x', '0'],
  ['SWAPDB', '0', 'x'],
  ['SWAPDB', '99999999999', '0'],
  ['SWAPDB', '0', '16'],
  ['CONFIG'],
  ['CONFIG', 'foo'],
  ['CONFIG', 'GET'],
  ['CONFIG', 'GET', 'nosuch*'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'MAXMEMORY-POLICY'],
  ['CONFIG', 'GET', 'set-max-intset-entries', 'zset-max-listpack-*'],
  ['CONFIG', 'SET', 'databases', '3'],
  ['CONFIG', 'SET', 'nosuch', '1'],
  ['CONFIG', 'SET', 'databases'],
  ['CONFIG', 'SET', 'databases', '3', 'x'],
  ['CONFIG', 'RESETSTAT', 'x'],
  ['CONFIG', 'HELP'],
  ['OBJECT', 'HELP'],
  ['MEMORY'],
  ['MEMORY', 'foo'],
  ['MEMORY', 'USAGE'],
  ['MEMORY', 'USAGE', 'nosuch'],
  ['SET', 'a', '1'],
  ['MEMORY', 'USAGE', 'a', 'SAMPLES'],
  ['MEMORY', 'USAGE', 'a', 'SAMPLES', 'x'],
  ['MEMORY', 'USAGE', 'a', 'SAMPLES', '-1'],
  ['MEMORY', 'USAGE', 'a', 'FOO', '1'],
  ['MEMORY', 'HELP'],
  ['MEMORY', 'PURGE'],
  ['COMMAND', 'foo'],
  ['COMMAND', 'COUNT', 'x'],
  ['COMMAND', 'GETKEYS'],
  ['COMMAND', 'GETKEYS', 'get'],
  ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
  ['COMMAND', 'GETKEYS', 'ping', 'x'],
  ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'get', 'a'],
  ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
  ['COMMAND', 'GETKEYS', 'copy', 'a', 'b', 'REPLACE'],
  ['COMMAND', 'GETKEYS', 'sintercard', '2', 'a', 'b'],
  ['COMMAND', 'GETKEYS', 'object', 'encoding', 'a'],
  ['COMMAND', 'GETKEYS', 'memory', 'usage', 'a'],
  ['COMMAND', 'HELP'],
  ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'],
  ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN'],
  ['COMMAND', 'LIST', 'FOO', 'PATTERN', 'x'],
  ['INFO', 'nosuch'],
  // Error lines quoting arguments (found by the sweep): CR and LF become spaces (trimmed at the ends of
  // formatted errors), and an unknown command quotes its arguments up to 128 bytes in all.
  ['NOSUCH\n', 'a\r\nb'],
  ['NOSUCH', 'x'.repeat(100), 'y'.repeat(50), 'z'],
  ['NOSUCH', 'x'.repeat(200), 'y'],
  ['NOSUCH', 'x'.repeat(126), 'y'],
  ['OBJECT', '\nx\r\n'],
  ['EXPIRE', 'a', '10', '1\n'],
  ['XINFO', 'a\nb'],
];

/** CONFIG GET answers in hash-table order in Redis: compare its name/value pairs as a set. */
function normalize(argv: readonly string[], reply: unknown): unknown {
  if ((argv[0] ?? '').toUpperCase() !== 'CONFIG' || !Array.isArray(reply)) return reply;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push(`${String(reply[i])}=${String(reply[i + 1])}`);
  return pairs.sort();
}

describe.runIf(oracleWanted())('server: differential against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('answers targeted cases exactly as Redis', async () => {
    expect(await firstMismatch(oracle, targetedCases, normalize)).toBeUndefined();
  });

  it('writes INFO keyspace, the INFO layout and TIME as Redis does', async () => {
    const setup = [['FLUSHALL'], ['SET', 'a', '1'], ['HSET', 'h', 'f', 'v'], ['RPUSH', 'l', 'x']];
    const engine = new Engine({ role: 'primary' });
    for (const argv of setup) {
      engine.execute(argv, Date.now());
      await oracle.client.send(argv);
    }
    const ours = engine.execute(['INFO', 'keyspace'], Date.now()).reply;
    expect(ours).toBe('# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n');
    expect(await oracle.client.send(['INFO', 'keyspace'])).toBe(ours);

    const layout = (text: unknown): string[] =>
      String(text)
        .split('\r\n')
        .map((line) => (line.startsWith('#') || line === '' ? line : line.replace(/:.*$/, ':')));
    const redisInfo = layout(await oracle.client.send(['INFO', 'server', 'stats']));
    const ourInfo = layout(engine.execute(['INFO', 'server', 'stats'], Date.now()).reply);
    expect(ourInfo[0]).toBe(redisInfo[0]);
    expect(ourInfo.indexOf('# Stats')).toBeGreaterThan(0);
    // Every field we report exists in Redis 7.0 too, except the 7.4 name for expired hash fields.
    const ourFields = ourInfo.filter((line) => line.endsWith(':') && line !== 'expired_subkeys:');
    expect(ourFields.filter((line) => !redisInfo.includes(line))).toEqual([]);
    expect((await oracle.client.send(['INFO', 'server', 'stats'])) as string).toMatch(/\r\n\r\n# Stats\r\n/);
    expect(engine.execute(['INFO', 'server', 'stats'], Date.now()).reply as string).toMatch(/\r\n\r\n# Stats\r\n/);

    const [redisSeconds, redisMicros] = (await oracle.client.send(['TIME'])) as [string, string];
    const [ourSeconds, ourMicros] = engine.execute(['TIME'], Date.now()).reply as [string, string];
    expect(Math.abs(Number(ourSeconds) - Number(redisSeconds))).toBeLessThanOrEqual(1);
    expect(ourMicros).toMatch(/^\d{1,6}$/);
    expect(redisMicros).toMatch(/^\d{1,6}$/);
  });
});
