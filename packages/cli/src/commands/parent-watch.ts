/**
 * Children of `meridian up` watch their parent: `up` gives each child a stdin pipe and sets
 * PARENT_PIPE_ENV; when `up` exits in any way (SIGKILL included) the kernel closes that pipe and the
 * child stops itself. A poll of process.ppid backs the pipe up.
 */
export const PARENT_PIPE_ENV = 'MERIDIAN_PARENT_PIPE';

const PARENT_POLL_MS = 500;

/** Calls `stop` once when the parent process is gone; a no-op unless started by `meridian up`. */
export function watchParent(stop: (why: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env[PARENT_PIPE_ENV] !== '1') return;
  const parentPid = process.ppid;
  let stopped = false;
  const gone = (why: string): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    process.stdin.destroy();
    stop(why);
  };
  const poll = setInterval(() => {
    if (process.ppid !== parentPid) gone('its parent `meridian up` is gone');
  }, PARENT_POLL_MS);
  poll.unref();
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', () => gone('its parent `meridian up` closed the pipe'));
  process.stdin.once('error', () => gone('its parent `meridian up` pipe failed'));
}

/**
 * Keeps a closed stdout or stderr (`meridian up | head -1`) from killing the process: EPIPE and
 * other write errors on them are ignored, so supervision goes on with its output dropped.
 */
export function survivePipeClose(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => undefined);
  }
}
