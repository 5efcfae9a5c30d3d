import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { type Oracle, withOracle } from '../support/oracle.js';
import { command, exchange } from '../support/resp-socket.js';

// The same RESP byte streams to a Meridian node (no auth, like the oracle) and to redis-server 7.0:
// the bytes answered must be equal.
describe('RESP bytes: Meridian vs redis-server', () => {
  let oracle: Oracle;
  let node: MeridianNode;
  withOracle((started) => {
    oracle = started;
  });
  beforeAll(async () => {
    node = new MeridianNode({ insecureNoAuth: true, resp: { port: 0 }, report: () => undefined });
    await node.start();
  });
  afterAll(async () => {
    await node.close();
  });

  async function both(bytes: string, expectClose = false): Promise<[string, string]> {
    await exchange(oracle.port, command('FLUSHALL'));
    await exchange(node.respPort as number, command('FLUSHALL'));
    const ours = await exchange(node.respPort as number, bytes, { expectClose });
    const theirs = await exchange(oracle.port, bytes, { expectClose });
    return [ours, theirs];
  }

  const streams: [string, string][] = [
    [
      'strings',
      command('SET', 'k', 'v') +
        command('GET', 'k') +
        command('INCR', 'n') +
        command('GET', 'missing') +
        command('APPEND', 'k', '\xff\x00'),
    ],
    ['inline and pipelined', 'PING\r\nECHO "a b"\r\nSET x 1\r\nGET x\r\n\r\n' + command('DEL', 'x', 'y')],
    [
      'hashes and lists',
      command('HSET', 'h', 'f', '1', 'g', '2') +
        command('HGETALL', 'h') +
        command('RPUSH', 'l', 'a', 'b') +
        command('LRANGE', 'l', '0', '-1') +
        command('LMPOP', '1', 'none', 'LEFT') +
        command('XADD', 'x', '1-1', 'f', 'v') +
        command('XREAD', 'STREAMS', 'x', '0') +
        command('XREAD', 'STREAMS', 'x', '$'),
    ],
    [
      'sets and zsets',
      command('SADD', 's', 'a') +
        command('SMEMBERS', 's') +
        command('ZADD', 'z', '1.5', 'm') +
        command('ZSCORE', 'z', 'm') +
        command('ZRANGE', 'z', '0', '-1', 'WITHSCORES') +
        command('ZADD', 'z', '3', 'n') +
        command('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1') +
        command('ZPOPMIN', 'z'),
    ],
    [
      'transactions',
      command('MULTI') +
        command('SET', 'a', '1') +
        command('INCR', 'a') +
        command('EXEC') +
        command('EXEC') +
        command('DISCARD'),
    ],
    [
      'aborted transaction',
      command('MULTI') +
        command('NOPE') +
        command('SET', 'a') +
        command('EXEC') +
        command('MULTI') +
        command('MULTI') +
        command('WATCH', 'a') +
        command('DISCARD'),
    ],
    [
      'WATCH untouched',
      command('WATCH', 'w') + command('MULTI') + command('SET', 'w', '1') + command('EXEC') + command('UNWATCH'),
    ],
    [
      'connection commands',
      command('SELECT', '0') +
        command('CLIENT', 'SETNAME', 'me') +
        command('CLIENT', 'GETNAME') +
        command('CLIENT', 'SETNAME', 'a b') +
        command('PING', 'x') +
        command('ECHO'),
    ],
    ['RESP3 hello', command('HELLO', '3').slice(0, 0) + command('HELLO', '4') + command('HELLO', 'x')],
    [
      'blocking with data and timeouts',
      command('RPUSH', 'q', 'x') +
        command('BLPOP', 'q', '1') +
        command('BLPOP', 'q', '0.01') +
        command('BLPOP', 'q', '-1') +
        command('BLPOP', 'q', 'x') +
        command('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', '0.01'),
    ],
    [
      'blocking commands inside MULTI run as their non-blocking forms',
      command('RPUSH', 'q', 'x', 'y') +
        command('ZADD', 'z', '1', 'm') +
        command('MULTI') +
        command('BLPOP', 'q', '0') +
        command('BRPOP', 'none', 'q', '0') +
        command('BLPOP', 'empty', '0') +
        command('BZPOPMIN', 'z', '0') +
        command('BZPOPMAX', 'z', '0') +
        command('BLMOVE', 'empty', 'd', 'LEFT', 'LEFT', '0') +
        command('BLMPOP', '0', '1', 'empty', 'LEFT') +
        command('BRPOPLPUSH', 'empty', 'd', '0') +
        command('EXEC') +
        command('MULTI') +
        command('BLPOP', 'q', 'x') +
        command('EXEC') +
        command('XADD', 'x', '1-1', 'f', 'v') +
        command('MULTI') +
        command('XREAD', 'BLOCK', '0', 'STREAMS', 'x', '0') +
        command('XREAD', 'BLOCK', '0', 'STREAMS', 'x', '$') +
        command('EXEC'),
    ],
    ['RESP3 replies', command('HELLO', '3').slice(0, 0) + command('PING')],
    [
      'subscribe in RESP2',
      command('SUBSCRIBE', 'c1', 'c2') +
        command('GET', 'k') +
        command('PING') +
        command('UNSUBSCRIBE', 'c2', 'c1') +
        command('UNSUBSCRIBE') +
        command('PSUBSCRIBE', 'p*') +
        command('PUNSUBSCRIBE', 'p*'),
    ],
  ];

  for (const [name, bytes] of streams) {
    it(name, async () => {
      const [ours, theirs] = await both(bytes);
      expect(ours).toBe(theirs);
    });
  }

  it('RESP3 after HELLO 3 (the HELLO map itself differs in id and role only)', async () => {
    const hello = command('HELLO', '3');
    const rest =
      command('HSET', 'h', 'f', 'v') +
      command('HGETALL', 'h') +
      command('ZADD', 'z', '2', 'm') +
      command('ZSCORE', 'z', 'm') +
      command('GET', 'none') +
      command('SMEMBERS', 'none') +
      command('BLPOP', 'none', '0.01') +
      command('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    const [ours, theirs] = await both(hello + rest);
    const withoutHello = (text: string): string => text.slice(text.indexOf('*0\r\n') + 4);
    expect(withoutHello(ours)).toBe(withoutHello(theirs));
    expect(
      ours.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n'),
    ).toBe(true);
  });

  const malformed: [string, string][] = [
    ['bad multibulk length', '*a\r\n'],
    ['bad bulk marker', '*2\r\n$3\r\nGET\r\nx1\r\n'],
    ['negative bulk length', '*1\r\n$-1\r\n'],
    ['bulk over 512MB', '*1\r\n$536870913\r\n'],
    ['unbalanced quotes', 'SET a "b\r\n'],
    ['commands before a protocol error are answered', command('SET', 'a', '1') + 'GET a\r\n*1\r\n$x\r\n'],
  ];
  for (const [name, bytes] of malformed) {
    it(`protocol error: ${name}`, async () => {
      const [ours, theirs] = await both(bytes, true);
      expect(ours).toBe(theirs);
      expect(ours).toContain('-ERR Protocol error');
    });
  }
});
