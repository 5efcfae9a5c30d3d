/**
 * Structured logs: one JSON line per event with its time, level, a stable event name, the process's
 * bindings (region, role) and a message; human-readable instead when the output is a terminal.
 * No secret is ever written: fields named like one are redacted, and every registered secret value
 * is scrubbed from messages and string fields.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type LogFormat = 'json' | 'pretty';

export type LogFields = Readonly<Record<string, unknown>>;

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };
const SECRET_FIELD = /token|secret|password|authorization|cookie|apikey|api_key/i;
export const REDACTED = '[redacted]';
/** Shorter values are not scrubbed from text (they would match ordinary words). */
const SECRET_CHARS_MIN = 6;

export interface LoggerOptions {
  /** Fields on every line, such as `{ region, role }`. */
  readonly bindings?: LogFields;
  readonly format?: LogFormat;
  /** Where a finished line goes (without its newline). */
  readonly write?: (line: string) => void;
  /** Secret values never to print (tokens, the replication secret). */
  readonly secrets?: readonly (string | undefined)[];
  /** Lines below this level are dropped (default info). */
  readonly level?: LogLevel;
  readonly nowMs?: () => number;
}

/** `MERIDIAN_LOG_FORMAT` (json | pretty) when set, else pretty on a terminal and JSON otherwise. */
export function logFormatFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const chosen = env['MERIDIAN_LOG_FORMAT'];
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return stream.isTTY === true ? 'pretty' : 'json';
}

/** `MERIDIAN_LOG_LEVEL` when it names a level, else info. */
export function logLevelFor(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const chosen = env['MERIDIAN_LOG_LEVEL'];
  return chosen !== undefined && chosen in LEVEL_RANK ? (chosen as LogLevel) : 'info';
}

export class Logger {
  private bindings: Record<string, unknown>;
  private secrets: string[];
  private readonly format: LogFormat;
  private readonly write: (line: string) => void;
  private readonly minimum: number;
  private readonly nowMs: () => number;

  constructor(options: LoggerOptions = {}) {
    this.bindings = { ...options.bindings };
    this.secrets = [];
    this.addSecrets(options.secrets ?? []);
    this.format = options.format ?? 'json';
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.minimum = LEVEL_RANK[options.level ?? 'info'];
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** More values never to print (secrets read from a config file after the logger was made). */
  addSecrets(secrets: readonly (string | undefined)[]): void {
    this.secrets = [...new Set([...this.secrets, ...secrets])]
      .filter((secret): secret is string => typeof secret === 'string' && secret.length >= SECRET_CHARS_MIN)
      .sort((a, b) => b.length - a.length);
  }

  /** Changes a binding for every later line (a node's role after a failover). */
  bind(fields: LogFields): void {
    this.bindings = { ...this.bindings, ...fields };
  }

  debug(event: string, msg: string, fields?: LogFields): void {
    this.log('debug', event, msg, fields);
  }

  info(event: string, msg: string, fields?: LogFields): void {
    this.log('info', event, msg, fields);
  }

  warn(event: string, msg: string, fields?: LogFields): void {
    this.log('warn', event, msg, fields);
  }

  error(event: string, msg: string, fields?: LogFields): void {
    this.log('error', event, msg, fields);
  }

  log(level: LogLevel, event: string, msg: string, fields: LogFields = {}): void {
    if (LEVEL_RANK[level] < this.minimum) return;
    const record: Record<string, unknown> = {
      event,
      level,
      time: new Date(this.nowMs()).toISOString(),
      ...this.bindings,
      msg: this.scrub(msg),
    };
    for (const [name, value] of Object.entries(fields)) {
      if (name in record && name !== 'msg') continue;
      record[name] = this.clean(name, value);
    }
    this.write(this.format === 'json' ? JSON.stringify(record) : pretty(record));
  }

  /** A registered secret value anywhere in `text` becomes [redacted]. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  private clean(name: string, value: unknown): unknown {
    if (SECRET_FIELD.test(name)) return REDACTED;
    if (typeof value === 'string') return this.scrub(value);
    if (value instanceof Error) return this.scrub(value.message);
    if (Array.isArray(value)) return value.map((item) => this.clean('', item));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, this.clean(key, inner)]));
    }
    return value;
  }
}

/** `12:00:01.234 INFO  [eu-west-1 replica] replica.synced: message  key=value`. */
function pretty(record: Record<string, unknown>): string {
  const { time, level, event, msg, region, role, ...rest } = record;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const where = [region, role].filter((part) => typeof part === 'string' && part !== '').join(' ');
  const extra = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelText = String(level).toUpperCase().padEnd(5);
  return `${clock} ${levelText} ${where === '' ? '' : `[${where}] `}${String(event)}: ${String(msg)}${extra === '' ? '' : `  ${extra}`}`;
}

/** Parses a line another Meridian process logged as JSON; undefined when it is not one. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    return typeof record['event'] === 'string' && typeof record['level'] === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Renders a parsed JSON log line the way a terminal logger would. */
export function prettyLogLine(record: Record<string, unknown>): string {
  return pretty(record);
}

/** What a log line is about: a stable event name (`replica.synced`), its level and its fields. */
export interface ReportDetail {
  readonly event: string;
  readonly level?: LogLevel;
  readonly fields?: LogFields;
}

/**
 * How a node or router tells its operator what happened. The message is for people; `detail` names the
 * event for structured logs (the CLI writes one line per report through a Logger). Tests may pass
 * `() => undefined`.
 */
export type Report = (message: string, detail?: ReportDetail) => void;

/** A Report writing through `logger`; the `meridian: ` prefix of messages is dropped (the event names the source). */
export function reportTo(logger: Logger): Report {
  return (message, detail) =>
    logger.log(
      detail?.level ?? 'info',
      detail?.event ?? 'message',
      message.replace(/^meridian( node| router)?: /, ''),
      detail?.fields,
    );
}

/** The library default: the message on stderr, as before structured logs. */
export const reportToStderr: Report = (message) => {
  console.error(message);
};
