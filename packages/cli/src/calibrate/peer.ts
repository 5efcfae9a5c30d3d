import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Engine } from '@meridian/engine';
import { wallClockMs } from '@meridian/node';
import { WsListener } from '@meridian/replication';

/**
 * The other end of `meridian calibrate`'s loopback measurements, in its own process (as a replica
 * or a client is): echoes every replication frame back over the real WebSocket listener, and
 * answers `POST /` with a SET run by a real engine, as a node answers a REST command. A one-byte
 * frame STAMP_FRAME is answered with the time it reached this code instead (wall-clock epoch ms,
 * a float64: the trip one way, with the parent's clock aligned the same way). Tells its
 * parent the port over IPC; exits when the parent goes.
 */
/** The frame asking for the time of its arrival (replication frames are longer). */
const STAMP_FRAME = 0x7f;
const engine = new Engine({ role: 'primary' });
let offset = 0;
const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const argv = JSON.parse(Buffer.concat(chunks).toString('utf8')) as string[];
    engine.execute(argv, Date.now());
    offset++;
    const body = JSON.stringify({ result: 'OK' });
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'upstash-sync-token': `calibrate:${offset}`,
      'x-meridian-served-by': 'peer',
    });
    response.end(body);
  });
});
const listener = new WsListener({ server });
listener.onConnection((connection) =>
  connection.setHandlers({
    message: (frame) => {
      if (frame.byteLength !== 1 || frame[0] !== STAMP_FRAME) connection.send(frame);
      else
        connection.send(
          new Uint8Array(Float64Array.of(wallClockMs(performance.timeOrigin + performance.now())).buffer),
        );
    },
    close: () => undefined,
    drain: () => undefined,
  }),
);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
