import type { OutboundAgents } from '../outbound.js';

/** One GET or POST to a region node's admin endpoint, bounded in time and size. */
export function nodeCall(
  url: string,
  options: { token: string | undefined; agent: OutboundAgents; timeoutMs: number; method?: string; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const request = options.agent.request(
      url,
      { method: options.method ?? 'GET', headers, timeout: options.timeoutMs },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > ANSWER_BYTES_MAX) request.destroy(new Error('answer too large'));
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

const ANSWER_BYTES_MAX = 1024 * 1024;

export type Json = Record<string, unknown>;

export function objectField(value: unknown, name: string): Json | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Json)[name];
  return typeof field === 'object' && field !== null && !Array.isArray(field) ? (field as Json) : undefined;
}

export function numberField(value: unknown, name: string): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const field = (value as Json)[name];
  return typeof field === 'number' && Number.isFinite(field) ? field : null;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
