import http from 'node:http';
import https from 'node:https';

/** What the router's outgoing TLS trusts (`ca`, PEM) and presents when asked (`cert`/`key`). */
export interface RouterTrust {
  readonly ca?: string | Buffer | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
}

/**
 * The router's connections to region nodes: one keep-alive pool for http:// regions and one for
 * https:// regions (checked against the topology's CA). `request` picks by the URL's scheme.
 */
export class OutboundAgents {
  private readonly plain: http.Agent;
  private readonly secure: https.Agent;
  private readonly tls: https.AgentOptions;

  constructor(options: http.AgentOptions, trust: RouterTrust | undefined) {
    this.tls = {
      ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
      ...(trust?.cert === undefined || trust.key === undefined ? {} : { cert: trust.cert, key: trust.key }),
    };
    this.plain = new http.Agent(options);
    this.secure = new https.Agent({ ...options, ...this.tls });
  }

  /** A request over the pool of the URL's scheme. */
  request(
    url: string,
    options: http.RequestOptions,
    callback?: (response: http.IncomingMessage) => void,
  ): http.ClientRequest {
    return url.startsWith('https:')
      ? https.request(url, { ...options, agent: this.secure }, callback)
      : http.request(url, { ...options, agent: this.plain }, callback);
  }

  /** A request on a connection of its own (a WebSocket upgrade), trusting the same CA. */
  requestAlone(url: string, options: http.RequestOptions): http.ClientRequest {
    return url.startsWith('https:')
      ? https.request(url, { ...options, ...this.tls, agent: false })
      : http.request(url, { ...options, agent: false });
  }

  destroy(): void {
    this.plain.destroy();
    this.secure.destroy();
  }
}
