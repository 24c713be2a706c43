import { once } from 'node:events';
import { createServer } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { SigningKey } from './auth-test-tokens.js';

/*
 * A JWKS endpoint for the auth-*.test.ts files: a real HTTP server on 127.0.0.1, port 0, serving
 * /jwks.json with an RS256 and an ES256 public key, and whatever other key sets a test adds.
 */

type Served = { status: number; keys: JWK[]; hits: number };

export type KeySetServer = {
  readonly baseUrl: string;
  /** In /jwks.json, kid "rsa-1". */
  readonly rsa: SigningKey;
  /** In /jwks.json, kid "ec-1". */
  readonly ec: SigningKey;
  /** In no key set, kid "not-in-the-set". */
  readonly stranger: SigningKey;
  readonly rsaPublicPem: string;
  readonly served: Map<string, Served>;
  /** Serves `keys` at `path` with `status`; returns the URL. */
  serve(path: string, keys: JWK[], status?: number): string;
  /** How many times `path` was fetched. */
  hitsOf(path: string): number;
  close(): void;
};

export async function signingKey(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { signing: { alg, kid, key: privateKey }, jwk, publicKey };
}

export async function startKeySetServer(): Promise<KeySetServer> {
  const served = new Map<string, Served>();
  const server = createServer((req, res) => {
    const entry = served.get(req.url ?? '');
    if (entry === undefined) {
      res.writeHead(404).end();
      return;
    }
    entry.hits += 1;
    res.writeHead(entry.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: entry.keys }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  const baseUrl = `http://127.0.0.1:${String(address.port)}`;

  const serve = (path: string, keys: JWK[], status = 200): string => {
    served.set(path, { status, keys, hits: 0 });
    return `${baseUrl}${path}`;
  };
  const rsaPair = await signingKey('RS256', 'rsa-1');
  const ecPair = await signingKey('ES256', 'ec-1');
  serve('/jwks.json', [rsaPair.jwk, ecPair.jwk]);

  return {
    baseUrl,
    rsa: rsaPair.signing,
    ec: ecPair.signing,
    stranger: (await signingKey('RS256', 'not-in-the-set')).signing,
    rsaPublicPem: await exportSPKI(rsaPair.publicKey),
    served,
    serve,
    hitsOf: (path) => served.get(path)?.hits ?? 0,
    close: () => {
      server.close();
    },
  };
}
