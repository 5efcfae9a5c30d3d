import { describe, expect, it } from 'vitest';
import { Logger, logFormatFor, logLevelFor, parseLogLine, REDACTED, reportTo } from '@meridian/metrics';

function capture(options: ConstructorParameters<typeof Logger>[0] = {}): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({
    nowMs: () => Date.UTC(2026, 11, 5, 9, 0, 1, 234),
    write: (line) => lines.push(line),
    ...options,
  });
  return { logger, lines };
}

describe('Logger', () => {
  it('writes one JSON line per event with its name, level, time, bindings, message and fields', () => {
    const { logger, lines } = capture({ bindings: { region: 'eu-west-1', role: 'replica' } });
    logger.info('replica.synced', 'connected, partial resync from 42', { offset: 42 });
    logger.bind({ role: 'primary' });
    logger.warn('failover.fenced', 'fenced');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        event: 'replica.synced',
        level: 'info',
        time: '2026-12-05T09:00:01.234Z',
        region: 'eu-west-1',
        role: 'replica',
        msg: 'connected, partial resync from 42',
        offset: 42,
      },
      {
        event: 'failover.fenced',
        level: 'warn',
        time: '2026-12-05T09:00:01.234Z',
        region: 'eu-west-1',
        role: 'primary',
        msg: 'fenced',
      },
    ]);
    expect(parseLogLine(lines[0] as string)?.['event']).toBe('replica.synced');
    expect(parseLogLine('meridian: plain text')).toBeUndefined();
  });

  it('never writes a secret: fields named like one are redacted, known values are scrubbed everywhere', () => {
    const { logger, lines } = capture({ secrets: ['tok-standard-Q7xz91LmPq', 'short', undefined] });
    logger.addSecrets(['tok-admin-Hy52RtGb7c']);
    logger.error('request.failed', 'bad header Bearer tok-standard-Q7xz91LmPq', {
      authorization: 'Bearer anything',
      adminToken: 'x',
      replicationSecret: 'y',
      nested: { password: 'p', note: 'has tok-admin-Hy52RtGb7c inside', list: ['tok-admin-Hy52RtGb7c'] },
      error: new Error('token tok-standard-Q7xz91LmPq refused'),
    });
    const text = lines.join('\n');
    expect(text).not.toContain('Q7xz91LmPq');
    expect(text).not.toContain('Hy52RtGb7c');
    const record = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(record['msg']).toBe(`bad header Bearer ${REDACTED}`);
    expect(record['authorization']).toBe(REDACTED);
    expect(record['adminToken']).toBe(REDACTED);
    expect(record['replicationSecret']).toBe(REDACTED);
    expect(record['nested']).toEqual({ password: REDACTED, note: `has ${REDACTED} inside`, list: [REDACTED] });
    expect(record['error']).toBe(`token ${REDACTED} refused`);
    // Values under 6 characters are not scrubbed from text (they would match ordinary words).
    logger.info('x', 'a short word');
    expect(lines[1]).toContain('a short word');
  });

  it('is readable on a terminal, filters by level, and picks its format from the stream and the environment', () => {
    const { logger, lines } = capture({
      format: 'pretty',
      level: 'warn',
      bindings: { region: 'us-east-1', role: 'primary' },
    });
    logger.info('ignored', 'below the level');
    logger.warn('replica.disconnected', 'replica eu-west-1 disconnected', { code: 1006 });
    expect(lines).toEqual([
      '09:00:01.234 WARN  [us-east-1 primary] replica.disconnected: replica eu-west-1 disconnected  code=1006',
    ]);
    expect(logFormatFor({ isTTY: true }, {})).toBe('pretty');
    expect(logFormatFor({ isTTY: false }, {})).toBe('json');
    expect(logFormatFor({ isTTY: true }, { MERIDIAN_LOG_FORMAT: 'json' })).toBe('json');
    expect(logLevelFor({ MERIDIAN_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(logLevelFor({ MERIDIAN_LOG_LEVEL: 'loud' })).toBe('info');
  });

  it('reportTo turns a node report into an event, dropping the "meridian: " prefix', () => {
    const { logger, lines } = capture();
    const report = reportTo(logger);
    report('meridian: recovered 3 keys', { event: 'node.recovered', fields: { keys: 3 } });
    report('meridian: something without a name');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([
      { event: 'node.recovered', level: 'info', msg: 'recovered 3 keys', keys: 3 },
      { event: 'message', level: 'info', msg: 'something without a name' },
    ]);
  });
});
