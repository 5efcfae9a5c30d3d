/** Raw TCP clients on 127.0.0.1 for slow and abusive HTTP clients. */
import net from 'node:net';

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export interface Recording {
  /** Everything received, latin1. */
  text: () => string;
  /** Resolves with the milliseconds from `startMs` to the close, or `undefined` after `timeoutMs`. */
  closed: (timeoutMs: number) => Promise<number | undefined>;
}

/** Records what a socket receives and when it closes; errors (resets) count as a close. */
export function record(socket: net.Socket, startMs = Date.now()): Recording {
  let received = '';
  let closedAfterMs: number | undefined;
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.once('close', () => {
    closedAfterMs = Date.now() - startMs;
    for (const wake of waiters) wake();
  });
  return {
    text: () => received,
    closed: (timeoutMs) =>
      new Promise((resolve) => {
        if (closedAfterMs !== undefined) return resolve(closedAfterMs);
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(closedAfterMs);
        });
      }),
  };
}

/** Writes `bytes` one at a time every `everyMs` until the socket closes or `limit` bytes went out. */
export function trickle(socket: net.Socket, bytes: string, everyMs: number): () => void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= bytes.length) return;
    socket.write(bytes[index++] as string);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return () => clearInterval(timer);
}

/**
 * Writes `chunk` as fast as the socket accepts it (respecting backpressure) until it closes or
 * `durationMs` passes; resolves with the bytes handed to the socket.
 */
export function flood(socket: net.Socket, chunk: Buffer, durationMs: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const endAtMs = Date.now() + durationMs;
    const finish = (): void => resolve(written);
    socket.once('close', finish);
    const pump = (): void => {
      while (!socket.destroyed && Date.now() < endAtMs) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed) finish();
    };
    pump();
    setTimeout(finish, durationMs + 50).unref();
  });
}
