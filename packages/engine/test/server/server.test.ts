import { describe, expect, it } from 'vitest';
import { commandTable, Engine, findCommand, type Reply, ReplyError, SimpleString } from '@meridian/engine';

const T0 = 1_700_000_000_123.456;

function engineAt(role: 'primary' | 'replica' = 'primary'): { run: (argv: string[]) => Reply; engine: Engine } {
  const engine = new Engine({ role });
  return { engine, run: (argv) => engine.execute(argv, T0).reply };
}

function sectionTitles(text: string): string[] {
  return text.split('\r\n').filter((line) => line.startsWith('# '));
}

function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

describe('server: INFO', () => {
  it('answers the default sections in Redis order and format', () => {
    const { run } = engineAt();
    run(['SET', 'a', '1']);
    run(['SET', 'b', '1', 'EX', '100']);
    const text = run(['INFO']) as string;
    expect(sectionTitles(text)).toEqual([
      '# Server',
      '# Clients',
      '# Memory',
      '# Persistence',
      '# Stats',
      '# Replication',
      '# Cluster',
      '# Keyspace',
    ]);
    expect(text.startsWith('# Server\r\nredis_version:7.0.15\r\n')).toBe(true);
    expect(text).toContain('\r\n\r\n# Clients\r\n');
    expect(text.endsWith('# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n')).toBe(true);
    expect(sectionTitles(run(['INFO', 'all']) as string)).toEqual(sectionTitles(text));
  });

  it('selects sections by name in any case, keeping Redis order; unknown names give nothing', () => {
    const { run } = engineAt();
    expect(sectionTitles(run(['INFO', 'KEYSPACE', 'server']) as string)).toEqual(['# Server', '# Keyspace']);
    expect(run(['INFO', 'keyspace'])).toBe('# Keyspace\r\n');
    expect(run(['INFO', 'nosuch'])).toBe('');
    expect(sectionTitles(run(['INFO', 'default']) as string)).toHaveLength(8);
  });

  it('reports the engine stats and the role', () => {
    const { run } = engineAt('primary');
    run(['SET', 'a', '1']);
    run(['GET', 'a']);
    run(['GET', 'nosuch']);
    const stats = fieldsOf(run(['INFO', 'stats', 'replication']) as string);
    expect(stats.get('keyspace_hits')).toBe('1');
    expect(stats.get('keyspace_misses')).toBe('1');
    expect(stats.get('total_commands_processed')).toBe('4');
    expect(stats.get('role')).toBe('master');
    expect(fieldsOf(engineAt('replica').run(['INFO', 'replication']) as string).get('role')).toBe('slave');
  });

  it('merges the host sections: fields replaced in place, new fields and sections added', () => {
    const { engine, run } = engineAt();
    engine.host = {
      infoSections: () => ({
        replication: [
          ['role', 'master'],
          ['connected_slaves', 4],
          ['master_repl_offset', 42],
        ],
        persistence: [['rdb_last_save_time', 1_690_000_000]],
        Meridian: [['region', 'us-east']],
      }),
    };
    const text = run(['INFO', 'everything']) as string;
    expect(text).toContain('# Replication\r\nrole:master\r\nconnected_slaves:4\r\nmaster_repl_offset:42\r\n');
    expect(text).toContain('rdb_last_save_time:1690000000\r\n');
    expect(text.endsWith('# Meridian\r\nregion:us-east\r\n')).toBe(true);
    expect(run(['LASTSAVE'])).toBe(1_690_000_000);
  });

  it('estimates memory that grows with the data', () => {
    const { run } = engineAt();
    const before = Number(fieldsOf(run(['INFO', 'memory']) as string).get('used_memory'));
    run(['SET', 'big', 'x'.repeat(100_000)]);
    const memory = fieldsOf(run(['INFO', 'memory']) as string);
    expect(Number(memory.get('used_memory'))).toBeGreaterThan(before + 100_000);
    expect(memory.get('used_memory_human')).toMatch(/^\d+\.\d\dM$/);
    expect(memory.get('maxmemory_policy')).toBe('noeviction');
  });
});

describe('server: small commands', () => {
  it('TIME and LASTSAVE come from the command time', () => {
    const { run } = engineAt();
    expect(run(['TIME'])).toEqual(['1700000000', '123456']);
    expect(run(['LASTSAVE'])).toBe(1_700_000_000);
  });

  it('FLUSHALL and FLUSHDB accept SYNC/ASYNC, replicate as FLUSHALL, and only when something was deleted', () => {
    const { engine } = engineAt();
    engine.execute(['SET', 'a', '1'], T0);
    expect(engine.execute(['FLUSHDB', 'async'], T0)).toEqual({
      reply: new SimpleString('OK'),
      effects: [['FLUSHALL']],
    });
    expect(engine.execute(['FLUSHALL', 'SYNC'], T0)).toEqual({ reply: new SimpleString('OK'), effects: [] });
    expect(engine.execute(['FLUSHALL', 'now'], T0).reply).toEqual(new ReplyError('ERR syntax error'));
    expect(engine.execute(['DBSIZE'], T0).reply).toBe(0);
  });

  it('SELECT and SWAPDB know only database 0', () => {
    const { run } = engineAt();
    expect(run(['SELECT', '0'])).toEqual(new SimpleString('OK'));
    expect(run(['SELECT', '1'])).toEqual(new ReplyError('ERR DB index is out of range'));
    expect(run(['SWAPDB', '0', '0'])).toEqual(new SimpleString('OK'));
    expect(run(['SWAPDB', '0', '1'])).toEqual(new ReplyError('ERR DB index is out of range'));
  });

  it('CONFIG GET matches case-insensitive globs; nothing can be set', () => {
    const { run } = engineAt();
    expect(run(['CONFIG', 'GET', 'DATABASES', 'maxmemory*'])).toEqual([
      'DATABASES',
      '1',
      'maxmemory',
      '0',
      'maxmemory-policy',
      'noeviction',
    ]);
    expect(run(['CONFIG', 'SET', 'maxmemory', '1'])).toEqual(
      new ReplyError("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - can't set immutable config"),
    );
  });

  it('COMMAND reports the command table', () => {
    const { run } = engineAt();
    expect(run(['COMMAND', 'COUNT'])).toBe(commandTable.size);
    expect((run(['COMMAND']) as Reply[]).length).toBe(commandTable.size);
    expect(run(['COMMAND', 'INFO', 'SET', 'nosuch'])).toEqual([
      [
        'set',
        -3,
        [new SimpleString('write'), new SimpleString('denyoom')],
        1,
        1,
        1,
        [new SimpleString('@write')],
        [],
        [],
        [],
      ],
      null,
    ]);
    expect(run(['COMMAND', 'GETKEYS', 'RENAME', 'a', 'b'])).toEqual(['a', 'b']);
    expect(run(['COMMAND', 'GETKEYS', 'OBJECT', 'ENCODING', 'k'])).toEqual(['k']);
    expect(run(['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flush*'])).toEqual(['flushdb', 'flushall']);
    expect((run(['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'dangerous']) as string[]).sort()).toEqual(
      [...commandTable.values()]
        .filter((info) => info.isDangerous)
        .map((info) => info.name)
        .sort(),
    );
  });

  it('MEMORY USAGE is nil for a missing key and grows with the value; SAMPLES 0 measures all', () => {
    const { run } = engineAt();
    expect(run(['MEMORY', 'USAGE', 'nosuch'])).toBe(null);
    run(['RPUSH', 'list', 'a']);
    const small = run(['MEMORY', 'USAGE', 'list']) as number;
    run(['RPUSH', 'list', ...Array.from({ length: 100 }, (_, i) => `item:${i}`)]);
    const sampled = run(['MEMORY', 'USAGE', 'list', 'SAMPLES', '5']) as number;
    const exact = run(['MEMORY', 'USAGE', 'list', 'SAMPLES', '0']) as number;
    expect(sampled).toBeGreaterThan(small);
    expect(exact).toBeGreaterThan(small + 100 * 6);
  });

  it('flags: flushes and CONFIG are dangerous, PING/ECHO/TIME need no data access', () => {
    for (const name of ['flushall', 'flushdb', 'config', 'swapdb']) expect(findCommand(name)?.isDangerous).toBe(true);
    for (const name of ['flushall', 'flushdb']) expect(findCommand(name)?.isWrite).toBe(true);
    for (const name of ['ping', 'echo', 'time', 'info', 'select', 'command', 'lastsave']) {
      expect(findCommand(name)?.isWrite).toBe(false);
      expect(findCommand(name)?.isDangerous).toBe(false);
    }
    expect(findCommand('dbsize')?.isReadonly).toBe(true);
    expect(findCommand('memory')?.isReadonly).toBe(true);
  });
});
