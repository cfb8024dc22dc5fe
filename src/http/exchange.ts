/**
 * A request and a response as plain data: the app is a function from one to
 * the other, so tests call it in process and `server.ts` wires it to node:http.
 */
export interface OcciRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/compute/?page=1&number=10`. */
  readonly url: string;
  /** Lower-case names; repeated headers joined by `, ` (as node:http does). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** The peer address, for logs and trusted-proxy checks. */
  readonly remoteAddress?: string;
  /** True when the request came over our own TLS listener. */
  readonly secure?: boolean;
  /** The client's certificate chain (DER, leaf first) on our TLS listener. */
  readonly peerCertificates?: readonly Buffer[];
}

export interface OcciResponse {
  status: number;
  headers: Array<readonly [string, string]>;
  body: string;
  /** For logs and metrics, never sent: who asked, and the route as a low-cardinality label (`entity:compute`). */
  meta?: { user?: string; route?: string };
}
