import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseLogLine, prettyLogLine } from '@meridian/metrics';
import { PARENT_PIPE_ENV } from './parent-watch.js';
import { EXIT_FATAL } from './topology-shared.js';

export interface SupervisedOptions {
  /** Shown in log lines: a region name or "router". */
  readonly name: string;
  readonly args: readonly string[];
  /** Appended to `args` on the first start only (not on restarts). */
  readonly firstStartArgs?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Restarts allowed in a row (a child that stays up for `stableMs` earns them back). */
  readonly restartsMax: number;
  readonly restartDelayMsFirst: number;
  readonly restartDelayMsMax: number;
  readonly stableMs: number;
  readonly log: (line: string) => void;
  /** Show the child's JSON log lines as readable text (a terminal); otherwise they pass through as JSON. */
  readonly pretty?: boolean;
}

const OUTPUT_LINES_KEPT = 20;

/**
 * One child process (`meridian node …` or `meridian router …`) run with process.execPath, its output
 * prefixed with its name, restarted with exponential backoff when it dies unasked.
 */
export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private startedAtMs = 0;
  private starts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The last lines the child printed, for error messages. */
  readonly recentOutput: string[] = [];
  /** Set once the restart budget is spent. */
  gaveUp = false;

  constructor(private readonly options: SupervisedOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    // The child's stdin is a pipe we never write: it closes when this process exits, however it
    // exits, and the child stops itself (parent-watch.ts).
    const args = [...this.options.args, ...(this.starts === 0 ? (this.options.firstStartArgs ?? []) : [])];
    this.starts += 1;
    const child = spawn(process.execPath, args, {
      env: { ...this.options.env, [PARENT_PIPE_ENV]: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => undefined);
    this.child = child;
    this.startedAtMs = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.output(line));
    }
    child.on('error', (error) => this.output(`cannot start: ${error.message}`));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
  }

  private output(line: string): void {
    const record = parseLogLine(line);
    const readable = record === undefined ? line : prettyLogLine(record);
    this.recentOutput.push(readable);
    if (this.recentOutput.length > OUTPUT_LINES_KEPT) this.recentOutput.shift();
    // A JSON log line names its region already; other output gets the child's name in front.
    if (record === undefined) this.options.log(`[${this.options.name}] ${line}`);
    else this.options.log(this.options.pretty === true ? readable : line);
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    if (this.stopping) return;
    const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
    if (code === EXIT_FATAL) {
      this.gaveUp = true;
      this.options.log(`meridian: ${this.name} cannot start (a fatal error, above); not restarting it`);
      return;
    }
    if (Date.now() - this.startedAtMs >= this.options.stableMs) this.restarts = 0;
    if (this.restarts >= this.options.restartsMax) {
      this.gaveUp = true;
      this.options.log(
        `meridian: ${this.name} ${how}; gave up after ${this.restarts} restarts — fix the cause above and run \`meridian up\` again`,
      );
      return;
    }
    const delayMs = Math.min(this.options.restartDelayMsFirst * 2 ** this.restarts, this.options.restartDelayMsMax);
    this.restarts += 1;
    this.options.log(
      `meridian: ${this.name} ${how}; restarting in ${(delayMs / 1000).toFixed(1)} s (restart ${this.restarts} of ${this.options.restartsMax})`,
    );
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.start();
    }, delayMs);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child is gone. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => {
      this.options.log(`meridian: ${this.name} did not stop within ${timeoutMs} ms; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await gone;
    clearTimeout(killer);
  }
}
