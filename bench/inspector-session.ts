/**
 * A Chrome DevTools Protocol session with a Node process started with `--inspect`, over
 * undici's WebSocket (Node 20's global one needs --experimental-websocket): enough to force a
 * full garbage collection and read the heap from outside, without an endpoint in the service.
 */
import { readFile } from 'node:fs/promises';
import { WebSocket } from 'undici';
import { z } from 'zod';

const reply = z.object({
  id: z.number(),
  result: z.unknown().optional(),
  error: z.object({ message: z.string() }).optional(),
});
const heapUsage = z.object({ usedSize: z.number(), totalSize: z.number() });

export type HeapUsage = { usedBytes: number; totalBytes: number };

export type InspectorSession = {
  /** Forces a full (mark-compact) GC, then reads the V8 heap: what survives is what is held. */
  heapAfterFullGc(): Promise<HeapUsage>;
  close(): Promise<void>;
};

/** The `ws://…` URL Node prints to stderr ("Debugger listening on ws://…") once listening. */
export async function inspectorUrlFrom(outputFile: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await readFile(outputFile, 'utf8').catch(() => '');
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
    if (url !== undefined) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no "Debugger listening on ws://…" in ${outputFile}`);
}

export async function openInspector(url: string): Promise<InspectorSession> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => {
      resolve();
    });
    socket.addEventListener('error', () => {
      reject(new Error(`cannot connect to the inspector at ${url}`));
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    // Events (no id) are not asked for and ignored.
    const parsed = reply.safeParse(JSON.parse(event.data));
    if (!parsed.success) return;
    const waiter = pending.get(parsed.data.id);
    pending.delete(parsed.data.id);
    if (parsed.data.error !== undefined) waiter?.reject(new Error(parsed.data.error.message));
    else waiter?.resolve(parsed.data.result);
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the inspector went away'));
    pending.clear();
  });
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method }));
    });

  return {
    async heapAfterFullGc() {
      await call('HeapProfiler.collectGarbage');
      const usage = heapUsage.parse(await call('Runtime.getHeapUsage'));
      return { usedBytes: usage.usedSize, totalBytes: usage.totalSize };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) {
          resolve();
          return;
        }
        socket.addEventListener('close', () => {
          resolve();
        });
        socket.close();
      }),
  };
}
