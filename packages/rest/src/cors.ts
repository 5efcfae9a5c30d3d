import type http from 'node:http';

/**
 * Cross-origin access, as Upstash answers it: any origin by default (`*`), or only the listed ones
 * (regions.yaml `cors.allowedOrigins`). Browsers then let a page on another origin call every node
 * and the router with the `@upstash/redis` SDK, read its sync token, and subscribe over SSE.
 */
export interface CorsPolicy {
  /** `'*'`: any origin (answered `*`); a list: only these exact origins (answered by echoing the origin). */
  readonly allowedOrigins: '*' | readonly string[];
}

export const CORS_POLICY_DEFAULT: CorsPolicy = { allowedOrigins: '*' };

/**
 * Every request header the SDK (1.39) sends, and Meridian's own: `Upstash-Telemetry-*` (runtime,
 * platform, sdk; `-Retry` on a retried request), `Upstash-Encoding`, the sync token,
 * `Upstash-Response-Format`, and on SSE subscriptions `Accept` and `Cache-Control`.
 */
export const CORS_REQUEST_HEADERS: readonly string[] = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Cache-Control',
  'Upstash-Encoding',
  'Upstash-Sync-Token',
  'Upstash-Response-Format',
  'Upstash-Telemetry-Runtime',
  'Upstash-Telemetry-Platform',
  'Upstash-Telemetry-Sdk',
  'Upstash-Telemetry-Retry',
  'x-meridian-region',
  'x-meridian-location',
  'x-meridian-consistency',
];

/** Response headers a page may read: the sync token, who served the answer, how stale it was. */
export const CORS_RESPONSE_HEADERS: readonly string[] = [
  'upstash-sync-token',
  'x-meridian-served-by',
  'x-meridian-staleness-ms',
  'x-meridian-consistency',
  'retry-after',
];

/** The origin a response allows for a request from `origin` (undefined: none, the browser refuses). */
export function allowedOrigin(policy: CorsPolicy, origin: string | undefined): string | undefined {
  if (policy.allowedOrigins === '*') return '*';
  if (origin === undefined) return undefined;
  const lower = origin.toLowerCase();
  return policy.allowedOrigins.some((allowed) => allowed.toLowerCase() === lower) ? origin : undefined;
}

/**
 * Rewrites a response's CORS headers for `policy`: the allowed origin (or none), `Vary: Origin` when
 * the answer depends on it. Headers without any CORS header (not an answer of ours) are left alone.
 */
export function applyCorsPolicy(
  headers: Record<string, string | number | readonly string[] | undefined>,
  policy: CorsPolicy,
  origin: string | undefined,
): void {
  if (policy.allowedOrigins === '*') return;
  const allowed = allowedOrigin(policy, origin);
  if (allowed === undefined) {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase().startsWith('access-control-')) delete headers[name];
    }
  } else {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'access-control-allow-origin') delete headers[name];
    }
    headers['access-control-allow-origin'] = allowed;
    if (headers['access-control-expose-headers'] === undefined)
      headers['access-control-expose-headers'] = CORS_RESPONSE_HEADERS.join(', ');
  }
  const vary = headers['vary'];
  if (typeof vary !== 'string' || vary === '') headers['vary'] = 'Origin';
  else if (!/\borigin\b/i.test(vary)) headers['vary'] = `${vary}, Origin`;
}

function headerText(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Applies a policy that lists origins to everything written on `response` (REST answers, forwarded
 * answers, SSE streams, errors), whatever wrote it. With `*` it does nothing: the answers already say `*`.
 */
export function enforceCorsPolicy(
  policy: CorsPolicy,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): void {
  if (policy.allowedOrigins === '*') return;
  const origin = headerText(request.headers['origin']);
  const writeHead = response.writeHead.bind(response) as (
    status: number,
    headers?: Record<string, string | number | readonly string[] | undefined>,
  ) => http.ServerResponse;
  const patched = (status: number, ...rest: unknown[]): http.ServerResponse => {
    const message = typeof rest[0] === 'string' ? rest[0] : undefined;
    const last = rest[rest.length - 1];
    // The raw [name, value, …] form is not one of ours: left alone.
    if (Array.isArray(last)) return (writeHead as (...args: unknown[]) => http.ServerResponse)(status, ...rest);
    const headers: Record<string, string | number | readonly string[] | undefined> =
      typeof last === 'object' && last !== null
        ? { ...(last as Record<string, string | number | readonly string[] | undefined>) }
        : {};
    for (const name of response.getHeaderNames()) {
      if (!name.startsWith('access-control-') && name !== 'vary') continue;
      const value = response.getHeader(name);
      if (headers[name] === undefined && value !== undefined) headers[name] = value;
      response.removeHeader(name);
    }
    applyCorsPolicy(headers, policy, origin);
    return message === undefined
      ? writeHead(status, headers)
      : (writeHead as (...args: unknown[]) => http.ServerResponse)(status, message, headers);
  };
  response.writeHead = patched as typeof response.writeHead;
}

/** Header names the browser asks to send that no policy allows (for the preflight answer's `Vary`). */
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network';

/**
 * The answer to an OPTIONS preflight: every header the SDK sends allowed, the readable ones exposed,
 * cached for a day. A page on a public origin calling a private address (Chromium's Private Network
 * Access) asks with `Access-Control-Request-Private-Network: true` and is allowed.
 */
export function preflightHeaders(
  policy: CorsPolicy,
  requestHeaders: Readonly<Record<string, string | readonly string[] | undefined>>,
  allowedMethods: string,
): Record<string, string> {
  const origin = headerText(requestHeaders['origin']);
  const allowed = allowedOrigin(policy, origin);
  const headers: Record<string, string> = { allow: allowedMethods };
  if (allowed === undefined) {
    headers['vary'] = PREFLIGHT_VARY;
    return headers;
  }
  headers['access-control-allow-origin'] = allowed;
  headers['access-control-allow-methods'] = allowedMethods;
  headers['access-control-allow-headers'] = CORS_REQUEST_HEADERS.join(', ');
  headers['access-control-expose-headers'] = CORS_RESPONSE_HEADERS.join(', ');
  headers['access-control-max-age'] = '86400';
  if (headerText(requestHeaders['access-control-request-private-network'])?.toLowerCase() === 'true') {
    headers['access-control-allow-private-network'] = 'true';
  }
  if (policy.allowedOrigins !== '*') headers['vary'] = PREFLIGHT_VARY;
  return headers;
}
