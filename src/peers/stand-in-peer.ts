import { createServer, type IncomingHttpHeaders } from 'node:http';

/*
 * A peer for the transport's and clients' unit tests: a real HTTP server on 127.0.0.1, port 0,
 * answering from a script. The full sandbox (sandbox/) implements peer-services.md; this one only
 * says what each test needs said, including what the sandbox must never do (malformed bodies).
 */

export type ScriptedAnswer = {
  status: number;
  /** Sent as JSON; ignored when `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  /** Default `application/json`. */
  contentType?: string;
  /** More response headers, such as a redirect's `Location`. */
  headers?: Record<string, string>;
  /** Wait this long before answering, to outlast the client's timeout. */
  delayMs?: number;
};

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
};

export type StandInPeer = {
  baseUrl: string;
  requests: ReceivedRequest[];
  /** Each request takes the next answer; the last one repeats. */
  answer: (...answers: ScriptedAnswer[]) => void;
  close: () => Promise<void>;
};

export async function startStandInPeer(): Promise<StandInPeer> {
  const requests: ReceivedRequest[] = [];
  let script: ScriptedAnswer[] = [{ status: 200, body: {} }];
  let next = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      const answer = script[Math.min(next, script.length - 1)] ?? { status: 500 };
      next += 1;
      const reply = () => {
        const text =
          answer.rawBody ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
        res
          .writeHead(answer.status, {
            'Content-Type': answer.contentType ?? 'application/json',
            ...answer.headers,
          })
          .end(text);
      };
      if (answer.delayMs === undefined) {
        reply();
      } else {
        const timer = setTimeout(reply, answer.delayMs);
        res.on('close', () => {
          clearTimeout(timer);
        });
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');

  return {
    baseUrl: `http://127.0.0.1:${String(address.port)}`,
    requests,
    answer: (...answers) => {
      script = answers;
      next = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}
