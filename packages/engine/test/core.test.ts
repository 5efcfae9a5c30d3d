import { describe, expect, it } from 'vitest';
import { Engine, ReplyError, SimpleString, formatDouble, parseInteger, digestKeyspace } from '@meridian/engine';
import { runWithReplica } from '../../../test/support/replay.js';

describe('engine core', () => {
  it('answers unknown commands and wrong arity with Redis text', () => {
    const engine = new Engine({ role: 'primary' });
    expect(engine.execute(['foo', 'a', 'b'], 0).reply).toEqual(
      new ReplyError("ERR unknown command 'foo', with args beginning with: 'a' 'b' "),
    );
    expect(engine.execute(['GET'], 0).reply).toEqual(new ReplyError("ERR wrong number of arguments for 'get' command"));
  });

  it('keeps error lines on one line and quotes at most 128 bytes of an unknown command arguments, as Redis does', () => {
    const engine = new Engine({ role: 'primary' });
    const run = (...argv: string[]) => engine.execute(argv, 0).reply;
    expect(run('foo\n', 'a\r\nb')).toEqual(
      new ReplyError("ERR unknown command 'foo ', with args beginning with: 'a  b' "),
    );
    expect(run('foo', 'x'.repeat(100), 'y'.repeat(50), 'z')).toEqual(
      new ReplyError(`ERR unknown command 'foo', with args beginning with: '${'x'.repeat(100)}' '${'y'.repeat(25)}' `),
    );
    expect(run('OBJECT', '\nx\r\n')).toEqual(new ReplyError("ERR unknown subcommand ' x  '. Try OBJECT HELP."));
    expect(run('EXPIRE', 'k', '10', '1\n')).toEqual(new ReplyError('ERR Unsupported option 1'));
  });

  it('SET with a relative TTL is replicated as an absolute PXAT', () => {
    const engine = new Engine({ role: 'primary' });
    const result = engine.execute(['SET', 'k', 'v', 'EX', '10'], 1000);
    expect(result.reply).toEqual(new SimpleString('OK'));
    expect(result.effects).toEqual([['SET', 'k', 'v', 'PXAT', '11000']]);
  });

  it('expires lazily on the primary with a DEL effect, and hides expired keys on a replica', () => {
    const { primary, replica } = runWithReplica([['SET', 'k', 'v', 'PX', '5']], { startMs: 0 });
    expect(replica.execute(['GET', 'k'], 3).reply).toBe('v');
    expect(replica.execute(['GET', 'k'], 10).reply).toBe(null);
    expect(replica.db.data.has('k')).toBe(true);
    const read = primary.execute(['GET', 'k'], 10);
    expect(read.reply).toBe(null);
    expect(read.effects).toEqual([['DEL', 'k']]);
    replica.applyEffects(read.effects, 10);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });

  it('executeForReply answers as execute does, and drops what effects the command made', () => {
    const { primary, replica } = runWithReplica([['SET', 'k', 'v', 'PX', '5']], { startMs: 0 });
    expect(replica.executeForReply(['GET', 'k'], 3)).toBe('v');
    expect(replica.executeForReply(['GET', 'k'], 10)).toBe(null);
    expect(replica.executeForReply(['GET'], 10)).toEqual(replica.execute(['GET'], 10).reply);
    // On the primary the expired key is deleted as by execute; its DEL is the caller's to drop.
    expect(primary.executeForReply(['GET', 'k'], 10)).toBe(null);
    expect(primary.db.data.has('k')).toBe(false);
    expect(primary.execute(['SET', 'j', 'w'], 11).effects).toEqual([['SET', 'j', 'w']]);
  });

  it('active expiry is bounded and emits DELs', () => {
    const engine = new Engine({ role: 'primary' });
    for (let i = 0; i < 10; i++) engine.execute(['SET', `k${i}`, 'v', 'PX', '1'], 0);
    const first = engine.activeExpire(100, 4);
    expect(first).toHaveLength(4);
    const rest = engine.activeExpire(100, 100);
    expect(rest).toHaveLength(6);
    expect(engine.db.data.size).toBe(0);
  });

  it('transactions abort as a whole on a queuing error', () => {
    const engine = new Engine({ role: 'primary' });
    const result = engine.executeTransaction([['SET', 'a', '1'], ['GET']], 0);
    expect(result.replies).toEqual(new ReplyError('EXECABORT Transaction discarded because of previous errors.'));
    expect(engine.db.data.size).toBe(0);
  });

  it('parses integers like string2ll and formats doubles like Redis 7.0', () => {
    expect(parseInteger('01')).toBe(null);
    expect(parseInteger('+1')).toBe(null);
    expect(parseInteger('-0')).toBe(null);
    expect(parseInteger('9223372036854775807')).toBe(9223372036854775807);
    expect(parseInteger('9223372036854775808')).toBe(null);
    expect(formatDouble(1.1)).toBe('1.1000000000000001');
    expect(formatDouble(1.5)).toBe('1.5');
    expect(formatDouble(1e21)).toBe('1e+21');
    expect(formatDouble(Infinity)).toBe('inf');
  });
});
