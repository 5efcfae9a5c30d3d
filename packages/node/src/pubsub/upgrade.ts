import type http from 'node:http';
import type { Duplex } from 'node:stream';

/** The credential of an upgrade request: `Authorization: Bearer …`, else the `_token` query parameter. */
export function upgradeCredential(request: http.IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? url.searchParams.get('_token') ?? undefined;
}

/** Answers an upgrade request with a plain HTTP error (JSON body, as the REST API) and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
