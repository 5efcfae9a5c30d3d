#!/usr/bin/env node
// A server for `npm run bench`, run in its own process so the load generator never shares its core.
// Usage: node scripts/bench-server.mjs <bare|map|meridian> ; prints "ready <port>" when listening.
import http from 'node:http';

const kind = process.argv[2];
const TOKEN = 'bench-token';
const FIXED = Buffer.from('{"result":"OK"}');

function listen(server) {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
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
  const { MeridianNode } = await import('../packages/node/dist/index.js');
  const node = new MeridianNode({ token: TOKEN, port: 0, logEntriesRetainedMax: 100_000 });
  const url = await node.start();
  console.log(`ready ${new URL(url).port}`);
} else {
  console.error('usage: bench-server.mjs <bare|map|meridian>');
  process.exit(2);
}
