// `npm run bench` row for Lua scripting: EVALSHA of @upstash/ratelimit's sliding-window script per
// second beside plain INCR, both over POST / with 50 connections to the same primary (in-memory
// log) in its own process. Standalone: `npm run build && node scripts/bench-scripting.mjs`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';

const TOKEN = 'bench-token';
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** The sliding-window limiter script exactly as the installed @upstash/ratelimit sends it. */
function slidingWindowScript() {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('@upstash/ratelimit'), 'utf8');
  const match = /var slidingWindowLimitScript = `([\s\S]*?)`;/.exec(source);
  if (match === null) throw new Error('sliding-window script not found in @upstash/ratelimit');
  return match[1];
}

function startNode() {
  return new Promise((resolve, reject) => {
    const server = new URL('./bench-server.mjs', import.meta.url).pathname;
    const child = spawn(process.execPath, [server, 'meridian'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      const match = /ready (\d+)/.exec(text);
      if (match) resolve({ port: Number(match[1]), stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

async function send(port, argv) {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify(argv),
  });
  const body = await response.json();
  if (body.error !== undefined) throw new Error(`${argv[0]}: ${body.error}`);
  return body.result;
}

async function throughput(port, body, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    method: 'POST',
    connections: 50,
    duration: seconds,
    headers: HEADERS,
    body,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`:${port}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

export async function bench({ seconds, rounds, addRow }) {
  const node = await startNode();
  try {
    const sha = await send(node.port, ['SCRIPT', 'LOAD', slidingWindowScript()]);
    // A limit no run reaches, so every call takes the full path (two GETs, INCRBY, the arithmetic).
    const evalsha = JSON.stringify(['EVALSHA', sha, 2, 'rl:bench:1', 'rl:bench:0', 1e12, Date.now(), 3_600_000, 1]);
    const incr = JSON.stringify(['INCR', 'bench-counter']);
    await throughput(node.port, evalsha, 1);
    await throughput(node.port, incr, 1);
    let bestScript = 0;
    let bestIncr = 0;
    for (let round = 0; round < rounds; round++) {
      bestScript = Math.max(bestScript, await throughput(node.port, evalsha, seconds));
      bestIncr = Math.max(bestIncr, await throughput(node.port, incr, seconds));
    }
    addRow(
      'EVALSHA sliding-window limiter (@upstash/ratelimit), 50 conns',
      bestScript,
      'req/s',
      bestIncr,
      'plain INCR, same node',
      '(info)',
    );
  } finally {
    node.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = [];
  await bench({
    seconds: Number(process.env.BENCH_SECONDS ?? 5),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    addRow: (...row) => rows.push(row),
  });
  console.log(rows);
}
