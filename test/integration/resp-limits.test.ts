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
