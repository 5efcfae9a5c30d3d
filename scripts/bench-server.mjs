#!/usr/bin/env node
// A server for `npm run bench`, run in its own process so the load generator never shares its core.
// Usage: node scripts/bench-server.mjs <kind> [dataDir] ; prints "ready <port>" when listening.
//   bare               node:http answering a fixed JSON body
//   map                node:http parsing a pipeline body with JSON.parse and storing each SET in a Map
//   meridian           a primary node with an in-memory write log (no durability, last 100 entries)
//   meridian-always    a primary node as `meridian node` runs it: SQLite write log in dataDir,
//                      durability `always` (every answer waits for its entry's COMMIT), snapshots on
import http from 'node:http';

const kind = process.argv[2];
const TOKEN = 'bench-token';
const FIXED = Buffer.from('{"result":"OK"}');
/**
 * The in-memory log keeps this many entries, dropping the oldest as it appends (nobody reads them
 * back here). What keeping entries costs in a real node — encoding, SQLite, fsync — is measured by
 * the `meridian-always` rows; this one measures the HTTP and engine path.
 */
const MEMORY_LOG_ENTRIES_RETAINED_MAX = 100;

function listen(server) {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
}

async function startNode(options) {
  const { MeridianNode } = await import('../packages/node/dist/index.js');
  const node = new MeridianNode({ token: TOKEN, port: 0, ...options });
  const url = await node.start();
  console.log(`ready ${new URL(url).port}`);
}

if (kind === 'bare') {
  // Reference: answers a fixed JSON body after draining the request.
  listen(
    http.createServer((request, response) => {
      request.on('data', () => {});
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': FIXED.length });
        response.end(FIXED);
      });
    }),
  );
} else if (kind === 'map') {
  // Reference for pipelines: parses the same body and stores each SET into a Map.
  const map = new Map();
  listen(
    http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const commands = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        let body = '[';
        for (let i = 0; i < commands.length; i++) {
          const [, key, value] = commands[i];
          map.set(key, value);
          body += i === 0 ? '{"result":"OK"}' : ',{"result":"OK"}';
        }
        body += ']';
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      });
    }),
  );
} else if (kind === 'meridian') {
  const { MemoryWriteLog } = await import('../packages/store/dist/index.js');
  await startNode({ writeLog: new MemoryWriteLog({ entriesRetainedMax: MEMORY_LOG_ENTRIES_RETAINED_MAX }) });
} else if (kind === 'meridian-always') {
  const dataDir = process.argv[3];
  if (dataDir === undefined) throw new Error('meridian-always needs a data directory');
  const { openRegionStore } = await import('../packages/node/dist/index.js');
  const { log } = openRegionStore({ dataDir, region: 'bench', policy: 'always', retention: { entriesMax: 100_000 } });
  await startNode({ writeLog: log, report: () => {} });
} else {
  console.error('usage: bench-server.mjs <bare|map|meridian|meridian-always> [dataDir]');
  process.exit(2);
}
