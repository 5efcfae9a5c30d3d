import { describe, expect, it } from 'vitest';
import {
  commandTable,
  digestKeyspace,
  dumpKeyspace,
  Engine,
  loadSnapshotEntry,
  type Reply,
  ReplyError,
  SimpleString,
} from '@meridian/engine';

function engineWith(commands: string[][], nowMs = 1000): { engine: Engine; run: (...argv: string[]) => Reply } {
  const engine = new Engine({ role: 'primary' });
  for (const argv of commands) engine.execute(argv, nowMs);
  return { engine, run: (...argv: string[]) => engine.execute(argv, nowMs).reply };
}

describe('streams: documented examples', () => {
  it('XADD, XLEN and XRANGE as in the redis.io examples', () => {
    const { run } = engineWith([]);
    expect(run('XADD', 'writers', '1526919030474-55', 'name', 'Virginia', 'surname', 'Woolf')).toBe('1526919030474-55');
    expect(run('XADD', 'writers', '1526919030474-*', 'name', 'Jane', 'surname', 'Austen')).toBe('1526919030474-56');
    expect(run('XADD', 'writers', '1526919030475', 'name', 'Toni', 'surname', 'Morrison')).toBe('1526919030475-0');
    expect(run('XLEN', 'writers')).toBe(3);
    expect(run('XRANGE', 'writers', '-', '+', 'COUNT', '2')).toEqual([
      ['1526919030474-55', ['name', 'Virginia', 'surname', 'Woolf']],
      ['1526919030474-56', ['name', 'Jane', 'surname', 'Austen']],
    ]);
    expect(run('XRANGE', 'writers', '(1526919030474-56', '+')).toEqual([
      ['1526919030475-0', ['name', 'Toni', 'surname', 'Morrison']],
    ]);
    expect(run('XREVRANGE', 'writers', '+', '-', 'COUNT', '1')).toEqual([
      ['1526919030475-0', ['name', 'Toni', 'surname', 'Morrison']],
    ]);
  });

  it('generates * IDs from the clock, monotonic when the clock goes back', () => {
    const engine = new Engine({ role: 'primary' });
    const add = (nowMs: number): Reply => engine.execute(['XADD', 's', '*', 'f', 'v'], nowMs).reply;
    expect([add(100), add(100), add(99), add(101)]).toEqual(['100-0', '100-1', '100-2', '101-0']);
    expect(engine.execute(['XADD', 's', '101-*', 'f', 'v'], 0).reply).toBe('101-1');
    expect(engine.execute(['XADD', 's', '101-1', 'f', 'v'], 0).reply).toEqual(
      new ReplyError('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
    );
    expect(engine.execute(['XADD', 's', '0-0', 'f', 'v'], 0).reply).toEqual(
      new ReplyError('ERR The ID specified in XADD must be greater than 0-0'),
    );
    expect(engine.execute(['XADD', 's', 'a-b', 'f', 'v'], 0).reply).toEqual(
      new ReplyError('ERR Invalid stream ID specified as stream command argument'),
    );
  });

  it('consumer groups: the XREADGROUP / XACK / XPENDING walk-through', () => {
    const { run } = engineWith([
      ['XADD', 'mystream', '1-0', 'message', 'apple'],
      ['XADD', 'mystream', '2-0', 'message', 'orange'],
      ['XADD', 'mystream', '3-0', 'message', 'strawberry'],
      ['XGROUP', 'CREATE', 'mystream', 'mygroup', '0'],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'COUNT', '1', 'STREAMS', 'mystream', '>')).toEqual([
      ['mystream', [['1-0', ['message', 'apple']]]],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'mygroup', 'Bob', 'COUNT', '2', 'STREAMS', 'mystream', '>')).toEqual([
      [
        'mystream',
        [
          ['2-0', ['message', 'orange']],
          ['3-0', ['message', 'strawberry']],
        ],
      ],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'mygroup', 'Bob', 'STREAMS', 'mystream', '>')).toBeNull();
    expect(run('XACK', 'mystream', 'mygroup', '2-0')).toBe(1);
    expect(run('XPENDING', 'mystream', 'mygroup')).toEqual([
      2,
      '1-0',
      '3-0',
      [
        ['Alice', '1'],
        ['Bob', '1'],
      ],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'mygroup', 'Bob', 'STREAMS', 'mystream', '0')).toEqual([
      ['mystream', [['3-0', ['message', 'strawberry']]]],
    ]);
    expect(run('XPENDING', 'mystream', 'mygroup', '-', '+', '10', 'Bob')).toEqual([['3-0', 'Bob', 0, 2]]);
    expect(run('XINFO', 'GROUPS', 'mystream')).toEqual([
      ['name', 'mygroup', 'consumers', 2, 'pending', 2, 'last-delivered-id', '3-0', 'entries-read', 3, 'lag', 0],
    ]);
  });

  it('XCLAIM and XAUTOCLAIM move idle entries and report deleted ones', () => {
    const engine = new Engine({ role: 'primary' });
    const at = (nowMs: number, ...argv: string[]): Reply => engine.execute(argv, nowMs).reply;
    at(0, 'XADD', 's', '1-0', 'a', '1');
    at(0, 'XADD', 's', '2-0', 'b', '2');
    at(0, 'XGROUP', 'CREATE', 's', 'g', '0');
    at(1000, 'XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>');
    expect(at(1500, 'XCLAIM', 's', 'g', 'c2', '1000', '1-0')).toEqual([]);
    expect(at(2000, 'XCLAIM', 's', 'g', 'c2', '1000', '1-0', 'JUSTID')).toEqual(['1-0']);
    expect(at(2000, 'XPENDING', 's', 'g', '-', '+', '10')).toEqual([
      ['1-0', 'c2', 0, 1],
      ['2-0', 'c1', 1000, 1],
    ]);
    at(2000, 'XDEL', 's', '1-0');
    expect(at(3000, 'XAUTOCLAIM', 's', 'g', 'c3', '500', '0-0', 'COUNT', '5')).toEqual([
      '0-0',
      [['2-0', ['b', '2']]],
      ['1-0'],
    ]);
    expect(at(3000, 'XPENDING', 's', 'g')).toEqual([1, '2-0', '2-0', [['c3', '1']]]);
    expect(at(3000, 'XPENDING', 's', 'g', 'IDLE', '1', '-', '+', '10')).toEqual([]);
  });

  it('XINFO STREAM FULL shows entries, groups, PELs and consumers', () => {
    const { run } = engineWith([
      ['XADD', 's', '1-0', 'a', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ]);
    expect(run('XINFO', 'STREAM', 's', 'FULL')).toEqual([
      ...['length', 1, 'radix-tree-keys', 1, 'radix-tree-nodes', 2, 'last-generated-id', '1-0'],
      ...['max-deleted-entry-id', '0-0', 'entries-added', 1, 'recorded-first-entry-id', '1-0'],
      'entries',
      [['1-0', ['a', '1']]],
      'groups',
      [
        [
          ...['name', 'g', 'last-delivered-id', '1-0', 'entries-read', 1, 'lag', 0, 'pel-count', 1],
          ...['pending', [['1-0', 'c', 1000, 1]]],
          'consumers',
          [['name', 'c', 'seen-time', 1000, 'pel-count', 1, 'pending', [['1-0', 1000, 1]]]],
        ],
      ],
    ]);
  });
});

describe('streams: Upstash and REST differences', () => {
  it('XTRIM MAXLEN ~ trims exactly to the target, bounded by LIMIT', () => {
    const adds = Array.from({ length: 250 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', 'v']);
    const { run } = engineWith(adds);
    expect(run('XTRIM', 's', 'MAXLEN', '~', '100', 'LIMIT', '30')).toBe(30);
    expect(run('XTRIM', 's', 'MAXLEN', '~', '100')).toBe(120);
    expect(run('XLEN', 's')).toBe(100);
    expect(run('XTRIM', 's', 'MINID', '~', '200')).toBe(49);
    expect(run('XRANGE', 's', '-', '+', 'COUNT', '1')).toEqual([['200-0', ['f', 'v']]]);
  });

  it('XREADGROUP NOACK delivers without pending entries and creates no consumer', () => {
    const { run } = engineWith([
      ['XADD', 's', '1-0', 'a', '1'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
    ]);
    expect(run('XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 's', '>')).toEqual([['s', [['1-0', ['a', '1']]]]]);
    expect(run('XPENDING', 's', 'g')).toEqual([0, null, null, null]);
    expect(run('XINFO', 'CONSUMERS', 's', 'g')).toEqual([]);
    expect(run('XINFO', 'GROUPS', 's')).toEqual([
      ['name', 'g', 'consumers', 0, 'pending', 0, 'last-delivered-id', '1-0', 'entries-read', 1, 'lag', 0],
    ]);
  });

  it('refuses BLOCK, and keeps XREAD a read and XREADGROUP a write in the command table', () => {
    const { run } = engineWith([['XADD', 's', '1-0', 'a', '1']]);
    const refusal = new ReplyError('ERR blocking commands are not supported over REST');
    expect(run('XREAD', 'BLOCK', '0', 'STREAMS', 's', '0')).toEqual(refusal);
    expect(run('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>')).toEqual(refusal);
    const xread = commandTable.get('xread');
    const xreadgroup = commandTable.get('xreadgroup');
    expect([xread?.isReadonly, xread?.isWrite, xread?.isBlocking]).toEqual([true, false, false]);
    expect([xreadgroup?.isReadonly, xreadgroup?.isWrite]).toEqual([false, true]);
    for (const name of ['xrange', 'xrevrange', 'xlen', 'xpending', 'xinfo'])
      expect(commandTable.get(name)?.isReadonly).toBe(true);
    for (const name of [
      'xadd',
      'xdel',
      'xtrim',
      'xgroup',
      'xack',
      'xclaim',
      'xautoclaim',
      'xsetid',
      'xackdel',
      'xdelex',
    ]) {
      expect(commandTable.get(name)?.isWrite).toBe(true);
    }
  });
});

describe('streams: XACKDEL and XDELEX (Redis 8.2)', () => {
  const setup = [
    ['XADD', 's', '1-0', 'a', '1'],
    ['XADD', 's', '2-0', 'b', '2'],
    ['XGROUP', 'CREATE', 's', 'g1', '0'],
    ['XGROUP', 'CREATE', 's', 'g2', '0'],
    ['XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 's', '>'],
  ];

  it('XACKDEL acknowledges and deletes, per policy', () => {
    const { run } = engineWith(setup);
    expect(run('XACKDEL', 's', 'g1', 'ACKED', 'IDS', '1', '1-0')).toEqual([2]);
    expect(run('XLEN', 's')).toBe(2);
    expect(run('XACKDEL', 's', 'g1', 'IDS', '2', '1-0', '2-0')).toEqual([-1, 1]);
    expect(run('XLEN', 's')).toBe(1);
    expect(run('XACKDEL', 'missing', 'g1', 'IDS', '2', '1-0', '2-0')).toEqual([-1, -1]);
    expect(run('XACKDEL', 's', 'g1', 'IDS', '0', '1-0')).toEqual(
      new ReplyError('ERR Number of IDs must be a positive integer'),
    );
    expect(run('XACKDEL', 's', 'g1', 'IDS', '3', '1-0')).toEqual(
      new ReplyError('ERR The `numids` parameter must match the number of arguments'),
    );
    expect(run('XACKDEL', 's', 'g1', 'KEEPREF', 'DELREF', 'IDS', '1', '1-0')).toEqual(
      new ReplyError('ERR syntax error'),
    );
  });

  it('XDELEX deletes with KEEPREF, DELREF and ACKED', () => {
    const { run } = engineWith(setup);
    expect(run('XDELEX', 's', 'ACKED', 'IDS', '1', '1-0')).toEqual([2]);
    expect(run('XDELEX', 's', 'DELREF', 'IDS', '2', '1-0', '9-0')).toEqual([1, -1]);
    expect(run('XPENDING', 's', 'g1')).toEqual([1, '2-0', '2-0', [['c', '1']]]);
    expect(run('XDELEX', 's', 'IDS', '1', '2-0')).toEqual([1]);
    expect(run('XPENDING', 's', 'g1')).toEqual([1, '2-0', '2-0', [['c', '1']]]);
    expect(run('XDELEX', 's', 'IDS', '1', 'x')).toEqual(
      new ReplyError('ERR Invalid stream ID specified as stream command argument'),
    );
  });
});

describe('streams: snapshots', () => {
  it('dump and load round-trip, and equal streams dump equal data whatever their history', () => {
    const commands = [
      ['XADD', 's', '1-0', 'a', '1'],
      ['XADD', 's', '2-0', 'b', '2'],
      ['XADD', 's', '3-0', 'c', '3'],
      ['XDEL', 's', '2-0'],
      ['XGROUP', 'CREATE', 's', 'zeta', '0'],
      ['XGROUP', 'CREATE', 's', 'alpha', '0'],
      ['XREADGROUP', 'GROUP', 'zeta', 'bob', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'zeta', 'al', 'STREAMS', 's', '>'],
    ];
    const { engine } = engineWith(commands);
    const copy = new Engine({ role: 'replica' });
    for (const entry of dumpKeyspace(engine.db))
      loadSnapshotEntry(copy.db, JSON.parse(JSON.stringify(entry)) as typeof entry);
    expect(digestKeyspace(copy.db)).toBe(digestKeyspace(engine.db));
    const full = (e: Engine): Reply => e.execute(['XINFO', 'STREAM', 's', 'FULL'], 5000).reply;
    expect(full(copy)).toEqual(full(engine));
    // Same final state, reached in another order (groups and consumers created differently).
    const { engine: other } = engineWith([
      ['XADD', 's', '1-0', 'a', '1'],
      ['XADD', 's', '2-0', 'b', '2'],
      ['XADD', 's', '3-0', 'c', '3'],
      ['XGROUP', 'CREATE', 's', 'alpha', '0'],
      ['XGROUP', 'CREATE', 's', 'zeta', '0'],
      ['XGROUP', 'CREATECONSUMER', 's', 'zeta', 'al'],
      ['XGROUP', 'CREATECONSUMER', 's', 'zeta', 'bob'],
      ['XCLAIM', 's', 'zeta', 'bob', '0', '1-0', 'FORCE', 'RETRYCOUNT', '1'],
      ['XCLAIM', 's', 'zeta', 'al', '0', '3-0', 'FORCE', 'RETRYCOUNT', '1'],
      ['XCLAIM', 's', 'zeta', 'al', '0', '2-0', 'FORCE', 'RETRYCOUNT', '1'],
      ['XDEL', 's', '2-0'],
      ['XACK', 's', 'zeta', '2-0'],
      ['XGROUP', 'SETID', 's', 'zeta', '3-0', 'ENTRIESREAD', '3'],
    ]);
    expect(digestKeyspace(other.db)).toBe(digestKeyspace(engine.db));
  });

  it('XGROUP HELP and XINFO HELP answer status lines', () => {
    const { run } = engineWith([]);
    const help = run('XINFO', 'HELP') as SimpleString[];
    expect(help[0]).toEqual(new SimpleString('XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:'));
    expect(help.at(-1)).toEqual(new SimpleString('    Prints this help.'));
    expect((run('XGROUP', 'HELP') as SimpleString[]).length).toBe(17);
  });
});
