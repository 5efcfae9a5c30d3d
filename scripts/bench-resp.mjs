// `npm run bench resp`: redis-benchmark (SET and GET, 50 clients, -P 1 and -P 16) against a Meridian
// node's RESP port and against redis-server 7.0, in the same run; Meridian's rate over redis-server's.
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

const TOKEN = 'bench-token';
const NODE_SCRIPT = `
const { MeridianNode } = await import(${JSON.stringify(new URL('../packages/node/dist/index.js', import.meta.url).pathname)});
const { MemoryWriteLog } = await import(${JSON.stringify(new URL('../packages/store/dist/index.js', import.meta.url).pathname)});
const node = new MeridianNode({ token: '${TOKEN}', resp: { port: 0 }, writeLog: new MemoryWriteLog({ entriesRetainedMax: 10000 }), logEntriesRetainedMax: 10000, report: () => {} });
await node.start();
console.log('ready ' + node.respPort);
`;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startMeridian() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', NODE_SCRIPT], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      const match = /ready (\d+)/.exec(text);
      if (match) resolve({ port: Number(match[1]), stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`meridian exited with ${code}`)));
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', TOKEN],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, stop: () => child.kill('SIGKILL') };
}

/** Requests per second of SET and GET at `pipeline`. */
async function redisBenchmark(port, pipeline, requests) {
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-a',
    TOKEN,
    '-c',
    '50',
    '-n',
    String(requests),
    '-P',
    String(pipeline),
    '-t',
    'set,get',
    '--csv',
  ];
  const { stdout } = await promisify(execFile)('redis-benchmark', args, { maxBuffer: 1 << 20 });
  const rates = {};
  for (const line of stdout.split('\n')) {
    const match = /^"(SET|GET)","([\d.]+)"/.exec(line);
    if (match) rates[match[1]] = Number(match[2]);
  }
  return rates;
}

export async function bench({ seconds, addRow }) {
  const meridian = await startMeridian();
  const redis = await startRedis();
  try {
    for (const pipeline of [1, 16]) {
      const requests = Math.max(20_000, Math.round(seconds * 10_000 * pipeline));
      const ours = await redisBenchmark(meridian.port, pipeline, requests);
      const theirs = await redisBenchmark(redis.port, pipeline, requests);
      for (const command of ['SET', 'GET']) {
        addRow(
          `RESP ${command} -P ${pipeline}, 50 clients (redis-benchmark)`,
          ours[command],
          'req/s',
          theirs[command],
          'redis-server 7.0',
          'reported',
        );
      }
    }
  } finally {
    meridian.stop();
    redis.stop();
  }
}
