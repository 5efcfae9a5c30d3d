import type http from 'node:http';
import type { Clock, TimerHandle } from '@meridian/lag';
import type { OutboundAgents } from './outbound.js';
import type { AnswerStream, RegionCallResult, RegionClient, RegionRequest } from './region-client.js';

/** Answers up to this size are read whole (one write to the client); larger ones and event streams are piped. */
const BUFFERED_ANSWER_BYTES_MAX = 64 * 1024;

function streamOf(answer: http.IncomingMessage): AnswerStream {
  return {
    [Symbol.asyncIterator]: () => answer[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    cancel: () => answer.destroy(),
  };
}

/** The RegionClient of the router process: node:http (or https) over keep-alive agents. */
export class HttpRegionClient implements RegionClient {
  constructor(private readonly agents: OutboundAgents) {}

  send(url: string, request: RegionRequest): Promise<RegionCallResult> {
    return new Promise((resolve) => {
      let settled = false;
      let timedOut = false;
      const settle = (result: RegionCallResult): void => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const upstream = this.agents.request(`${url}${request.path}`, {
        method: request.method,
        headers: request.headers as http.OutgoingHttpHeaders,
        ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
      });
      upstream.on('timeout', () => {
        timedOut = true;
        upstream.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
      });
      upstream.on('error', (error) =>
        settle({ kind: 'failed', error: error.message, timedOut, retryable: upstream.reusedSocket && !timedOut }),
      );
      upstream.on('response', (answer) => {
        const length = Number(answer.headers['content-length']);
        const status = answer.statusCode ?? 502;
        if (!(Number.isFinite(length) && length <= BUFFERED_ANSWER_BYTES_MAX)) {
          settle({ kind: 'answered', answer: { status, headers: answer.headers, body: streamOf(answer) } });
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', (error) => settle({ kind: 'failed', error: error.message, timedOut, retryable: false }));
        answer.on('end', () => {
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          settle({ kind: 'answered', answer: { status, headers: answer.headers, body } });
        });
      });
      upstream.end(request.body);
    });
  }
}

/** Node's timers as the Clock port, for the router process (the simulator passes its virtual clock). */
export const REAL_TIMERS: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
