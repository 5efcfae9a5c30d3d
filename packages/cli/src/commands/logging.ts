import { Logger, type LogFields, logFormatFor, logLevelFor } from '@meridian/metrics';

/** Every secret a process could be handed, from the environment and the options it runs with. */
export function secretsFrom(env: NodeJS.ProcessEnv, ...more: (string | undefined)[]): (string | undefined)[] {
  return [
    env['MERIDIAN_TOKEN'],
    env['MERIDIAN_READONLY_TOKEN'],
    env['MERIDIAN_ADMIN_TOKEN'],
    env['MERIDIAN_METRICS_TOKEN'],
    env['MERIDIAN_REPLICATION_SECRET'],
    ...more,
  ];
}

/**
 * The logger of a `meridian node` or `meridian router` process: events on stderr (announcements such
 * as `ready` on stdout), one JSON line each, or readable lines on a terminal (MERIDIAN_LOG_FORMAT
 * overrides, MERIDIAN_LOG_LEVEL filters).
 */
export function processLogger(
  bindings: LogFields,
  env: NodeJS.ProcessEnv,
  secrets: (string | undefined)[],
  stream: 'stdout' | 'stderr' = 'stderr',
): Logger {
  const out = stream === 'stdout' ? process.stdout : process.stderr;
  return new Logger({
    bindings,
    format: logFormatFor(out, env),
    level: logLevelFor(env),
    secrets,
    write: (line) => {
      out.write(`${line}\n`);
    },
  });
}
