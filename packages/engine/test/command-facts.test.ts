import { describe, expect, it } from 'vitest';
import { commandTable, findCommandFacts } from '@meridian/engine';

describe('command facts: the one place REST, router, node and simulator learn what a command is', () => {
  it('writes, WAIT, PUBLISH, SPUBLISH and writing scripts must run on the primary; reads and _RO scripts need not', () => {
    for (const name of [
      'set',
      'SET',
      'xreadgroup',
      'wait',
      'publish',
      'spublish',
      'eval',
      'evalsha',
      'fcall',
      'script',
    ]) {
      expect(findCommandFacts(name)?.needsPrimary, name).toBe(true);
    }
    for (const name of ['get', 'xread', 'eval_ro', 'fcall_ro', 'pubsub', 'ping']) {
      expect(findCommandFacts(name)?.needsPrimary, name).toBe(false);
    }
    expect(findCommandFacts('nosuchcommand')).toBeUndefined();
  });

  it('the read-only token is refused writes, dangerous and admin commands and every script', () => {
    for (const name of ['set', 'keys', 'flushall', 'eval_ro', 'evalsha', 'config']) {
      expect(findCommandFacts(name)?.refusedToReadonly, name).toBe(true);
    }
    for (const name of ['get', 'xread', 'pubsub', 'spublish']) {
      expect(findCommandFacts(name)?.refusedToReadonly, name).toBe(false);
    }
  });

  it('blocking is per invocation: XREAD blocks only with BLOCK before STREAMS', () => {
    const xread = findCommandFacts('xread');
    expect(xread?.blocks(['XREAD', 'STREAMS', 'block', '0'])).toBe(false);
    expect(xread?.blocks(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'])).toBe(true);
    expect(
      findCommandFacts('xreadgroup')?.blocks(['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '1', 'STREAMS', 's', '>']),
    ).toBe(true);
    expect(findCommandFacts('blpop')?.blocks(['BLPOP', 'k', '0'])).toBe(true);
  });

  it('transaction control and connection commands are recognised but not run; the table has only what the engine runs', () => {
    expect(findCommandFacts('multi')?.isTransactionControl).toBe(true);
    expect(findCommandFacts('monitor')?.needsConnection).toBe(true);
    expect(findCommandFacts('ssubscribe')?.needsConnection).toBe(true);
    expect(findCommandFacts('subscribe')?.needsConnection).toBe(true);
    expect(commandTable.has('multi')).toBe(false);
    expect(findCommandFacts('multi')?.implemented).toBe(false);
    expect(findCommandFacts('get')?.implemented).toBe(true);
  });
});
