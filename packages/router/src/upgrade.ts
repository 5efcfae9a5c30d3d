import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { OutboundAgents } from './outbound.js';

/** The WebSocket endpoints the router passes through to a region node (pub/sub over one connection). */
export const PROXIED_UPGRADE_PATHS: ReadonlySet<string> = new Set(['/_meridian/pubsub']);

/** How long the router waits for a region to accept a WebSocket before trying the next one. */
export const UPGRADE_TIMEOUT_MS = 10_000;

/** Answers an upgrade with a plain HTTP error (JSON body, as the REST API) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export type UpgradeResult = { readonly kind: 'done' } | { readonly kind: 'failed'; readonly error: string };

function headerBlock(statusLine: string, rawHeaders: readonly string[]): string {
  let text = `${statusLine}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) text += `${rawHeaders[i] ?? ''}: ${rawHeaders[i + 1] ?? ''}\r\n`;
  return `${text}\r\n`;
}

/**
 * Replays the client's upgrade request at `url` and, once the region switched protocols, splices
 * the two sockets together byte for byte (the node checks the token and speaks WebSocket). A region
 * that answers with an HTTP error has that answer relayed; one that cannot be reached is `failed`
 * (the caller may try another region; nothing was sent to the client).
 */
export function proxyUpgrade(
  agents: OutboundAgents,
  url: string,
  request: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<UpgradeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: UpgradeResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const upstream = agents.requestAlone(`${url}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers: request.headers,
      timeout: UPGRADE_TIMEOUT_MS,
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${UPGRADE_TIMEOUT_MS} ms`)));
    upstream.on('error', (error) => settle({ kind: 'failed', error: error.message }));
    upstream.on('upgrade', (answer, regionSocket, regionHead) => {
      settle({ kind: 'done' });
      if (socket.destroyed) {
        regionSocket.destroy();
        return;
      }
      socket.write(headerBlock(`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`, answer.rawHeaders));
      if (regionHead.length > 0) socket.write(regionHead);
      regionSocket.setNoDelay(true);
      regionSocket.pipe(socket);
      socket.pipe(regionSocket);
      const closeBoth = (): void => {
        regionSocket.destroy();
        socket.destroy();
      };
      regionSocket.on('error', closeBoth);
      regionSocket.on('close', closeBoth);
      socket.on('error', closeBoth);
      socket.on('close', closeBoth);
    });
    upstream.on('response', (answer) => {
      // The region refused the upgrade (bad token, …): relay its answer as it is.
      settle({ kind: 'done' });
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = answer.rawHeaders.filter((_, i, all) => {
          const name = (i % 2 === 0 ? all[i] : all[i - 1])?.toLowerCase();
          return name !== 'connection' && name !== 'transfer-encoding' && name !== 'content-length';
        });
        socket.end(
          headerBlock(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}`, [
            ...headers,
            'connection',
            'close',
            'content-length',
            String(body.length),
          ]) + body.toString('latin1'),
          'latin1',
        );
      });
      answer.on('error', () => socket.destroy());
    });
    if (head.length > 0) upstream.write(head);
    upstream.end();
  });
}
