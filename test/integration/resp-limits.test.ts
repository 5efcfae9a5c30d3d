import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { command, exchange } from '../support/resp-socket.js';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', () => undefined);
  });
}

function closed(socket: net.Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

describe('RESP limits: the node refuses clearly and keeps serving', () => {
  let node: MeridianNode;
  beforeAll(async () => {
    node = new MeridianNode({
      insecureNoAuth: true,
      report: () => undefined,
      resp: { port: 0, limits: { clientsMax: 2, outputBytesMaxPubsub: 64 * 1024, queryBufferBytesMax: 1024 } },
    });
    await node.start();
  });
  afterAll(async () => {
    await node.close();
  });

  it('maxclients: one connection too many gets the error and is closed', async () => {
    const first = await connect(node.respPort as number);
    const second = await connect(node.respPort as number);
    const third = await connect(node.respPort as number);
    expect(await closed(third)).toBe('-ERR max number of clients reached\r\n');
    first.destroy();
    second.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await exchange(node.respPort as number, command('PING'))).toBe('+PONG\r\n');
  });

  it('client-query-buffer-limit: a client over it is closed without a reply', async () => {
    const socket = await connect(node.respPort as number);
    const done = closed(socket);
    socket.write(`*1\r\n$100000\r\n${'x'.repeat(5000)}`);
    expect(await done).toBe('');
    expect(await exchange(node.respPort as number, command('PING'))).toBe('+PONG\r\n');
  });
});

describe('RESP output buffers and idle clients', () => {
  let node: MeridianNode;
  const reports: string[] = [];
  beforeAll(async () => {
    node = new MeridianNode({
      insecureNoAuth: true,
      report: (message) => reports.push(message),
      resp: { port: 0, limits: { outputBytesMaxPubsub: 256 * 1024, idleTimeoutMs: 300 } },
    });
    await node.start();
  });
  afterAll(async () => {
    await node.close();
  });

  function reply(socket: net.Socket, contains: string): Promise<string> {
    let text = '';
    return new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        text += chunk.toString('latin1');
        if (text.includes(contains)) {
          socket.off('data', onData);
          resolve(text);
        }
      };
      socket.on('data', onData);
    });
  }

  it('client-output-buffer-limit pubsub: a subscriber that stops reading is disconnected; the node keeps serving', async () => {
    const port = node.respPort as number;
    const subscriber = await connect(port);
    const subscribed = reply(subscriber, 'firehose');
    subscriber.write(command('SUBSCRIBE', 'firehose'));
    await subscribed;
    subscriber.pause(); // reads nothing more: the kernel buffers fill, then the node's own buffer
    const publisher = await connect(port);
    const message = 'm'.repeat(64 * 1024);
    for (let round = 0; round < 40 && !reports.some((r) => r.includes('over the pubsub limit')); round++) {
      const answered = reply(publisher, ':');
      publisher.write(command('PUBLISH', 'firehose', message).repeat(10));
      await answered;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(reports.some((r) => /closed: output buffer \d+ bytes over the pubsub limit of 262144/.test(r))).toBe(true);
    publisher.destroy();
    subscriber.destroy();
    expect(await exchange(port, command('PING'))).toBe('+PONG\r\n');
  });

  it('timeout: an idle client is closed, a subscribed one is not', async () => {
    const port = node.respPort as number;
    const idle = await connect(port);
    const subscriber = await connect(port);
    const subscribed = reply(subscriber, 'news');
    subscriber.write(command('SUBSCRIBE', 'news'));
    await subscribed;
    const idleClosed = await closed(idle);
    expect(idleClosed).toBe('');
    // Well past the timeout, the subscriber still answers.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const pong = reply(subscriber, 'pong');
    subscriber.write(command('PING'));
    expect(await pong).toContain('pong');
    subscriber.destroy();
  });
});
