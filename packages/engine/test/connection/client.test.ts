import { describe, expect, it } from 'vitest';
import { Engine, findCommand, OK, type Reply, ReplyError } from '@meridian/engine';

function run(...argv: string[]): Reply {
  return new Engine({ role: 'primary' }).execute(argv, 0).reply;
}

describe('CLIENT SETINFO (Redis 7.2)', () => {
  it('accepts LIB-NAME and LIB-VER in any case', () => {
    expect(run('CLIENT', 'SETINFO', 'LIB-NAME', 'upstash-redis')).toEqual(OK);
    expect(run('client', 'setinfo', 'lib-ver', '1.35.0')).toEqual(OK);
  });

  it('refuses other options, values with spaces or control bytes, and wrong arity as Redis does', () => {
    expect(run('CLIENT', 'SETINFO', 'LIB-FOO', 'x')).toEqual(new ReplyError("ERR Unrecognized option 'LIB-FOO'"));
    expect(run('CLIENT', 'SETINFO', 'LIB-NAME', 'a b')).toEqual(
      new ReplyError('ERR lib-name cannot contain spaces, newlines or special characters.'),
    );
    expect(run('CLIENT', 'SETINFO', 'LIB-VER', '1\n')).toEqual(
      new ReplyError('ERR lib-ver cannot contain spaces, newlines or special characters.'),
    );
    expect(run('CLIENT', 'SETINFO', 'LIB-NAME')).toEqual(
      new ReplyError("ERR wrong number of arguments for 'client|setinfo' command"),
    );
    expect(run('CLIENT', 'NOPE')).toEqual(new ReplyError("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."));
  });

  it('is neither a write nor refused to the read-only token', () => {
    const info = findCommand('client');
    expect(info?.isWrite).toBe(false);
    expect(info?.isDangerous).toBe(false);
  });
});
