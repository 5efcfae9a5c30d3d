// `npm run bench` rows for the geo-router: GET through the router (one hop) vs GET straight to the
// node. A one-region topology (a primary, SQLite durability `always`, no injected lag) and the router
// run as separate processes started by the CLI; load comes from this process. Standalone:
// `npm run build && node scripts/bench-router.mjs` (BENCH_SECONDS, BENCH_ROUNDS as for bench.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const TOKEN = 'bench-token';
const BODY = '["GET","k"]';
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const cli = new URL('../packages/cli/bin/meridian.js', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function launch(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => text.includes('"ready"') && resolve(child));
    child.once('exit', (code) => reject(new Error(`meridian ${args[0]} exited with ${code}`)));
  });
}

async function throughput(port, connections, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: HEADERS,
    body: BODY,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`:${port}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rate: result.requests.average, requests: result.requests.total };
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** A process's state, parent and CPU ticks from /proc/<pid>/stat (fields after the name); undefined without /proc. */
function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a process has used (user + system), undefined where there is no /proc: a proxy's
 * cost per request, which other jobs on the cores move much less than its rate.
 */
function cpuSeconds(pid) {
  const fields = procStat(pid);
  return fields === undefined ? undefined : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** nginx's worker (the master only supervises): the child of the master, from /proc. */
function nginxWorker(masterPid) {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .find((pid) => procStat(pid)?.[1] === String(masterPid));
  } catch {
    return undefined;
  }
}

function post(agent, port) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: HEADERS });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`:${port} answered ${response.statusCode}`)),
      );
    });
    request.on('error', reject);
    request.end(BODY);
  });
}

/**
 * The median time of one GET on one keep-alive connection, one request at a time, in µs
 * (autocannon's latencies are whole milliseconds, too coarse for a sub-millisecond hop).
 */
async function latencyUsP50(port, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  try {
    const endMs = performance.now() + seconds * 1000;
    while (performance.now() < endMs) {
      const startedAt = process.hrtime.bigint();
      await post(agent, port);
      samples.push(Number(process.hrtime.bigint() - startedAt) / 1000);
    }
  } finally {
    agent.destroy();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** Alternates direct and routed runs `rounds` times and keeps the best of each (see bench.mjs). */
async function alternate(rounds, measure, better) {
  let direct;
  let routed;
  for (let round = 0; round < rounds; round++) {
    const d = await measure('direct');
    const r = await measure('routed');
    direct = direct === undefined || better(d, direct) ? d : direct;
    routed = routed === undefined || better(r, routed) ? r : routed;
  }
  return { direct, routed };
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

/**
 * nginx as a keep-alive reverse proxy in front of the same node (the reference a user would put
 * there instead of our router); undefined when nginx is not installed (`apt-get install nginx-light`).
 */
async function startNginx(dir, nodePort) {
  if (NGINX === undefined) return undefined;
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;\n${process.getuid?.() === 0 ? 'user root;\n' : ''}error_log ${dir}/nginx-error.log;\npid ${dir}/nginx.pid;\n` +
      `events { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n` +
      `  fastcgi_temp_path ${dir}/fcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n` +
      `  upstream node { server 127.0.0.1:${nodePort}; keepalive 64; }\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    location / {\n      proxy_pass http://node;\n` +
      `      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n      proxy_buffering off;\n    }\n  }\n}\n`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { port, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port} (see ${dir}/nginx-error.log)`);
}

async function startTopology(dir) {
  const [nodePort, routerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'regions.yaml');
  writeFileSync(
    config,
    `primary: solo\ndataDir: ${dir}/data\nregions:\n  - { name: solo, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: ${nodePort} }\nrouter: { host: 127.0.0.1, port: ${routerPort}, region: solo }\nnetwork: { delay: 0 }\n`,
  );
  const env = { MERIDIAN_TOKEN: TOKEN, MERIDIAN_REPLICATION_SECRET: 'bench-secret' };
  const children = [];
  try {
    children.push(await launch(['node', '--region', 'solo', '--config', config], env));
    children.push(await launch(['router', '--config', config], env));
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    throw error;
  }
  return { ports: { direct: nodePort, routed: routerPort }, children };
}

export async function bench({ seconds, rounds = 3, addRow }) {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-router-'));
  let children = [];
  try {
    const topology = await startTopology(dir);
    children = topology.children;
    const { ports } = topology;
    const nginx = await startNginx(dir, ports.direct);
    if (nginx !== undefined) {
      // SIGTERM: nginx's master stops its workers (a SIGKILLed master would leave them running).
      nginx.child.stopSignal = 'SIGTERM';
      children.push(nginx.child);
      ports.nginx = nginx.port;
    }
    for (const port of Object.values(ports)) await throughput(port, 50, 1);
    // The proxy process whose CPU time each routed request costs: the router, nginx's worker.
    const proxies = { routed: children[1]?.pid, nginx: nginx === undefined ? undefined : nginxWorker(nginx.child.pid) };
    const ways = Object.keys(ports);
    const best = {};
    const cpu = {};
    for (let round = 0; round < rounds; round++) {
      for (const way of ways) {
        const before = proxies[way] === undefined ? undefined : cpuSeconds(proxies[way]);
        const { rate, requests } = await throughput(ports[way], 50, seconds);
        const after = proxies[way] === undefined ? undefined : cpuSeconds(proxies[way]);
        best[way] = Math.max(best[way] ?? 0, rate);
        if (before !== undefined && after !== undefined) {
          cpu[way] ??= { seconds: 0, requests: 0 };
          cpu[way].seconds += after - before;
          cpu[way].requests += requests;
        }
      }
    }
    addRow(
      'GET through the geo-router (one hop), 50 conns',
      best.routed,
      'req/s',
      best.direct,
      'same GET straight to the node',
      '≥ 0.60',
    );
    if (best.nginx === undefined) {
      console.log('  (nginx row skipped: nginx is not installed — apt-get install nginx-light)');
    } else {
      addRow(
        'GET through nginx (keep-alive reverse proxy, 1 worker), 50 conns',
        best.nginx,
        'req/s',
        best.direct,
        'same GET straight to the node',
        '—',
      );
      addRow(
        "router's share of the direct rate vs nginx's share",
        best.routed / best.direct,
        'share',
        best.nginx / best.direct,
        "nginx's share",
        '≥ 1.0',
      );
    }
    if (cpu.routed !== undefined && cpu.nginx !== undefined) {
      const usPerRequest = (way) => (cpu[way].seconds * 1e6) / cpu[way].requests;
      addRow(
        'router process CPU per routed request (user + system, /proc), 50 conns',
        usPerRequest('routed'),
        'µs',
        usPerRequest('nginx'),
        "nginx worker's CPU per request",
        '—',
      );
    }
    const latencySeconds = Math.min(seconds, 3);
    const latencies = await alternate(
      rounds,
      (way) => latencyUsP50(ports[way], latencySeconds),
      (a, b) => a < b,
    );
    if (ports.nginx !== undefined) {
      let nginxUs = Infinity;
      for (let round = 0; round < rounds; round++)
        nginxUs = Math.min(nginxUs, await latencyUsP50(ports.nginx, latencySeconds));
      addRow(
        'nginx added p50 latency (1 connection)',
        (nginxUs - latencies.direct) / 1000,
        'ms',
        undefined,
        undefined,
        '—',
      );
    }
    addRow(
      `router added p50 latency (1 connection; direct p50 ${(latencies.direct / 1000).toFixed(3)} ms)`,
      (latencies.routed - latencies.direct) / 1000,
      'ms',
      undefined,
      undefined,
      '≤ 0.1 ms',
    );
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill(child.stopSignal ?? 'SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  await bench({
    seconds,
    rounds,
    addRow: (name, value, unit, reference, referenceName, target) =>
      console.log(
        `${name}: ${value.toFixed(3)} ${unit}` +
          (reference === undefined
            ? ''
            : ` vs ${reference.toFixed(0)} (${referenceName}), ratio ${(value / reference).toFixed(2)}`) +
          ` — target ${target}`,
      ),
  });
}
