import type { RestRequest } from '@meridian/rest';

/** An HTTP answer, independent of any socket (a Buffer body in the node is a Uint8Array here). */
export interface RestResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
}

/** Marks a request a replica handed on, so a misconfigured "primary" that is a replica does not loop it. */
export const FORWARDED_BY_HEADER = 'x-meridian-forwarded-by';

/**
 * The Forwarder port: hands a request a replica cannot answer to the primary. node:http in the
 * node (PrimaryForwarder), the modelled link in the simulator.
 */
export interface Forwarder {
  /** `waits`: the request holds a WAIT, so the primary may take up to WAIT's timeout to answer. */
  forward(request: RestRequest, waits?: boolean): Promise<RestResponse>;
}
