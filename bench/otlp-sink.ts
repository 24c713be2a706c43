/**
 * A local OTLP/HTTP trace receiver for the bench's tracing row: POST /v1/traces is answered 200
 * (an empty ExportTraceServiceResponse) and only counted, never decoded; GET /stats answers
 * `{ "requests": n, "bytes": n }` so far. Prints one JSON line `{ "url": … }` once listening;
 * exits on SIGTERM.
 *
 *   node --import tsx bench/otlp-sink.ts
 */
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;

const server = createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/v1/traces') {
      requests += 1;
      bytes += size;
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': 0 });
      res.end();
    } else if (req.method === 'GET' && req.url === '/stats') {
      const body = JSON.stringify({ requests, bytes });
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    } else {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
    }
  });
});
server.keepAliveTimeout = 65_000;

await new Promise<void>((resolve) => {
  server.listen(0, '127.0.0.1', resolve);
});
const address = server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${String(port)}` })}\n`);

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
