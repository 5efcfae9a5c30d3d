/**
 * A real redis-server (Debian's 7.0) on a loopback port, as an oracle for differential tests, and a
 * minimal RESP2 client whose replies use the engine's Reply model so they compare directly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { type Reply, ReplyError, SimpleString } from '@meridian/engine';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Differential suites run when redis-server is installed, and must run (and fail without it) in CI. */
export function oracleWanted(): boolean {
  return redisServerAvailable() || process.env['MERIDIAN_REQUIRE_ORACLE'] === '1';
}

/** In a describe block: starts one redis-server before its tests (handed to `started`), stops it after. */
export function withOracle(started: (oracle: Oracle) => void): void {
  let oracle: Oracle | undefined;
  beforeAll(async () => {
    oracle = await startOracle();
    started(oracle);
  });
  afterAll(async () => {
    await oracle?.stop();
  });
}

function encodeCommand(argv: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`, 'latin1')];
  for (const arg of argv) {
    const bytes = Buffer.from(arg, 'latin1');
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP2 reply at `offset`; returns it and the next offset, or undefined if incomplete. */
function parseReply(buffer: Buffer, offset: number): [Reply, number] | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset, 'latin1');
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] as number);
  const line = buffer.toString('latin1', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return [new SimpleString(line), next];
    case '-':
      return [new ReplyError(line), next];
    case ':': {
      const n = BigInt(line);
      return [n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, next];
    }
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('latin1', next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const parsed = parseReply(buffer, position);
        if (parsed === undefined) return undefined;
        items.push(parsed[0]);
        position = parsed[1];
      }
      return [items, position];
    }
    default:
      throw new Error(`unexpected RESP type byte ${type}`);
  }
}

export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: ((reply: Reply) => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parseReply(this.buffer, 0);
        if (parsed === undefined) break;
        this.buffer = this.buffer.subarray(parsed[1]);
        this.waiting.shift()?.(parsed[0]);
      }
    });
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one command (arguments as byte strings) and resolves with its reply. */
  send(argv: readonly string[]): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(encodeCommand(argv));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface Oracle {
  client: RespClient;
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port, without persistence. */
export async function startOracle(): Promise<Oracle> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  let client: RespClient | undefined;
  for (let attempt = 0; attempt < 100 && client === undefined; attempt++) {
    try {
      client = await RespClient.connect(port);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (client === undefined) throw new Error('redis-server did not start');
  const connected = client;
  return {
    client: connected,
    port,
    stop: async () => {
      connected.close();
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A comparable plain form of a reply: simple strings and errors tagged, bigints as text. */
export function normalizeReply(reply: Reply): unknown {
  if (reply instanceof SimpleString) return { simple: reply.value };
  if (reply instanceof ReplyError) return { error: reply.message };
  if (typeof reply === 'bigint') return reply.toString();
  if (Array.isArray(reply)) return reply.map(normalizeReply);
  return reply;
}
