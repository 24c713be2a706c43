import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { maxPeerBodyBytes } from './peer-http.js';
import { ctx, keyedPost, useStandInPeer } from './peer-http-test-transport.js';
import { startStandInPeer } from './stand-in-peer.js';

const stand = useStandInPeer();
const { transport } = stand;

describe('hostile answers', () => {
  const get = { operation: 'getProduct', method: 'GET', path: '/api/products/1' } as const;

  it('never follows a redirect: the 302 is the answer and its Location is never called', async () => {
    const elsewhere = await startStandInPeer();
    try {
      const http = transport();
      stand.peer.answer({ status: 302, headers: { Location: `${elsewhere.baseUrl}/metadata` } });

      const response = await http.send(keyedPost, ctx);

      expect(response).toEqual({ kind: 'answered', status: 302, body: undefined });
      expect(stand.peer.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('reads no body that is not labelled JSON', async () => {
    stand.peer.answer({ status: 200, contentType: 'text/html', rawBody: '{"id":1}' });

    expect(await transport().send(get, ctx)).toEqual({
      kind: 'answered',
      status: 200,
      body: undefined,
    });
  });

  it('reads application/json with a charset and +json types', async () => {
    stand.peer.answer(
      { status: 200, contentType: 'application/json; charset=utf-8', rawBody: '{"id":1}' },
      { status: 200, contentType: 'application/problem+json', rawBody: '{"id":2}' },
    );
    const http = transport();

    expect(await http.send(get, ctx)).toMatchObject({ body: { id: 1 } });
    expect(await http.send(get, ctx)).toMatchObject({ body: { id: 2 } });
  });

  it('stops reading a body past maxPeerBodyBytes and drops the connection', async () => {
    // An endless chunked body: without the cap the read would only end at the timeout.
    let closedByClient = false;
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"padding":"');
      const chunk = 'x'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => {
        closedByClient = true;
      });
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const address = endless.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    try {
      const http = transport({
        baseUrl: `http://127.0.0.1:${String(address.port)}`,
        timeoutMs: 10_000,
      });

      const response = await http.send(get, ctx);

      expect(response).toEqual({ kind: 'answered', status: 200, body: undefined });
      await expect.poll(() => closedByClient).toBe(true);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('does not read a body whose Content-Length is past maxPeerBodyBytes', async () => {
    stand.peer.answer({ status: 200, rawBody: `"${'x'.repeat(maxPeerBodyBytes)}"` });

    expect(await transport().send(get, ctx)).toEqual({
      kind: 'answered',
      status: 200,
      body: undefined,
    });
  });
});
