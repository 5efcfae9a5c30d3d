/**
 * Helpers for the process and disk fault tests: finding child processes, reading their memory,
 * bounded write loads, and a small tmpfs for a data directory that fills up.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/** Children of `parent` (pid → command line), from ps. */
export function childProcesses(parent: number): Map<number, string> {
  let listing = '';
  try {
    listing = execFileSync('ps', ['--ppid', String(parent), '-o', 'pid=,args='], { encoding: 'utf8' });
  } catch {
    return new Map(); // ps exits 1 when there is no child
  }
  const children = new Map<number, string>();
  for (const line of listing.trim().split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match) children.set(Number(match[1]), match[2] ?? '');
  }
  return children;
}

/** The pid of the child of `parent` whose command line contains every one of `parts`. */
export function childPid(parent: number, ...parts: string[]): number | undefined {
  for (const [pid, args] of childProcesses(parent)) {
    if (parts.every((part) => args.includes(part))) return pid;
  }
  return undefined;
}

/** Resident memory of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 50 ms until it returns a value, for at most `timeoutMs`; a throw is retried. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = ` (last error: ${String(error)})`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError}`);
    await sleep(50);
  }
}

export interface LoadOptions {
  readonly writers: number;
  readonly durationMs: number;
  /** Requests per writer at most, so a fast loop stays bounded too. */
  readonly requestsMax?: number;
  /** One request; returning false stops this writer. */
  readonly step: (writer: number, i: number) => Promise<boolean | void>;
}

/** Runs `writers` loops of `step` until `durationMs` passed (or `stop()` was called). */
export function writeLoad(options: LoadOptions): { done: Promise<void>; stop: () => void } {
  let stopped = false;
  const deadline = Date.now() + options.durationMs;
  const requestsMax = options.requestsMax ?? 100_000;
  const loop = async (writer: number): Promise<void> => {
    for (let i = 0; i < requestsMax && !stopped && Date.now() < deadline; i++) {
      if ((await options.step(writer, i)) === false) return;
    }
  };
  const done = Promise.all(Array.from({ length: options.writers }, (_, writer) => loop(writer))).then(() => undefined);
  return { done, stop: () => (stopped = true) };
}

/** A tmpfs of `sizeBytes` at `dir`, or the reason it cannot be mounted here (not root, no mount). */
export function mountTmpfs(dir: string, sizeBytes: number): string | undefined {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}

export function resizeTmpfs(dir: string, sizeBytes: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeBytes}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}
