import { describe, expect, it } from 'vitest';
import { RestAuth, SecretToken, commandRefusal } from '@meridian/rest';

describe('tokens', () => {
  it('tells standard, read-only and wrong tokens apart', () => {
    const auth = new RestAuth({ token: 'standard-secret', readonlyToken: 'readonly-secret' });
    expect(auth.authenticate('standard-secret')).toBe('standard');
    expect(auth.authenticate('readonly-secret')).toBe('readonly');
    expect(auth.authenticate('standard-secre')).toBeUndefined();
    expect(auth.authenticate('standard-secret ')).toBeUndefined();
    expect(auth.authenticate('')).toBeUndefined();
    expect(auth.authenticate(undefined)).toBeUndefined();
  });

  it('has no read-only access without a read-only token', () => {
    const auth = new RestAuth({ token: 't' });
    expect(auth.authenticate('t')).toBe('standard');
    expect(auth.authenticate('')).toBeUndefined();
  });

  it('compares secrets of any length', () => {
    const secret = new SecretToken('a'.repeat(1000));
    expect(secret.matches('a'.repeat(1000))).toBe(true);
    expect(secret.matches('a'.repeat(999))).toBe(false);
    expect(() => new SecretToken('')).toThrow();
  });
});

describe('command refusals', () => {
  it('lets the standard token run everything REST supports', () => {
    expect(commandRefusal(['SET', 'k', 'v'], 'standard')).toBeUndefined();
    expect(commandRefusal(['nosuchcommand'], 'standard')).toBeUndefined();
  });

  it('lets the read-only token run reads and flagless commands only', () => {
    expect(commandRefusal(['GET', 'k'], 'readonly')).toBeUndefined();
    expect(commandRefusal(['ping'], 'readonly')).toBeUndefined();
    expect(commandRefusal(['ECHO', 'x'], 'readonly')).toBeUndefined();
    expect(commandRefusal(['SET', 'k', 'v'], 'readonly')).toBe(
      "NOPERM this user has no permissions to run the 'set' command",
    );
    expect(commandRefusal(['del', 'k'], 'readonly')).toBe(
      "NOPERM this user has no permissions to run the 'del' command",
    );
  });

  it('never lets the read-only token run scripts', () => {
    for (const name of ['EVAL', 'evalsha', 'EVAL_RO', 'script']) {
      expect(commandRefusal([name, 'return 1', '0'], 'readonly')).toBe(
        `NOPERM this user has no permissions to run the '${name.toLowerCase()}' command`,
      );
    }
  });

  it('refuses transaction control, subscriptions and blocking forms for everyone', () => {
    for (const access of ['standard', 'readonly'] as const) {
      expect(commandRefusal(['WATCH', 'k'], access)).toMatch(/^ERR 'watch' is not supported over REST.*multi-exec/);
      expect(commandRefusal(['multi'], access)).toMatch(/^ERR 'multi' is not supported over REST/);
      expect(commandRefusal(['EXEC'], access)).toMatch(/^ERR 'exec'/);
      expect(commandRefusal(['discard'], access)).toMatch(/^ERR 'discard'/);
      expect(commandRefusal(['unwatch'], access)).toMatch(/^ERR 'unwatch'/);
      expect(commandRefusal(['SUBSCRIBE', 'ch'], access)).toMatch(
        /^ERR 'subscribe' is not supported as a command.*\/subscribe\//,
      );
      expect(commandRefusal(['psubscribe', 'p*'], access)).toMatch(/\/psubscribe\//);
      expect(commandRefusal(['unsubscribe'], access)).toMatch(/close the event stream/);
      expect(commandRefusal(['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '$'], access)).toBe(
        "ERR blocking command 'xread' is not supported over REST",
      );
      expect(commandRefusal(['XREADGROUP', 'GROUP', 'block', 'c', 'BLOCK', '10', 'STREAMS', 's', '>'], access)).toMatch(
        /blocking command 'xreadgroup'/,
      );
    }
    expect(commandRefusal(['XREAD', 'STREAMS', 'block', '0'], 'standard')).toBeUndefined();
    expect(commandRefusal(['XREADGROUP', 'GROUP', 'block', 'c', 'STREAMS', 's', '>'], 'standard')).toBeUndefined();
  });
});
