// Measures HS256 verification cost of jose and fast-jwt for docs/adr/0005-jwt-verification.md.
// Run: npx tsx scripts/bench-jwt.ts [iterations]
import { createSecretKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { createVerifier } from 'fast-jwt';
import { SignJWT, jwtVerify } from 'jose';

const iterations = Number(process.argv[2] ?? 20_000);
const secretText = 'order-service-benchmark-secret-0123456789-abcdef';
const secretBytes = new TextEncoder().encode(secretText);

const token = await new SignJWT({ role: 'user' })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject('42')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(secretBytes);

type Case = { readonly name: string; readonly run: () => unknown };

type Timing = { readonly wallMicroseconds: number; readonly cpuMicroseconds: number };

// Sequential, as one request sees it. CPU time counts the libuv threadpool too: WebCrypto (jose)
// runs HMAC there, so on 2 cores its cost is CPU the service does not get back.
async function timePerOp(run: () => unknown, count: number): Promise<Timing> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i += 1) await run();
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wallMicroseconds: (wall * 1000) / count,
    cpuMicroseconds: (cpu.user + cpu.system) / count,
  };
}

// The same token every time: fast-jwt's cache must stay off (its default) or it would skip the HMAC.
const fastJwtVerify = createVerifier({ key: secretText, algorithms: ['HS256'], cache: false });
const secretKeyObject = createSecretKey(secretBytes);
// jose's best case: imported once, where a Uint8Array or KeyObject is imported on every call.
const secretCryptoKey = await crypto.subtle.importKey(
  'raw',
  secretBytes,
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['verify'],
);

const cases: readonly Case[] = [
  {
    name: 'jose jwtVerify, Uint8Array secret',
    run: () => jwtVerify(token, secretBytes, { algorithms: ['HS256'] }),
  },
  {
    name: 'jose jwtVerify, KeyObject secret',
    run: () => jwtVerify(token, secretKeyObject, { algorithms: ['HS256'] }),
  },
  {
    name: 'jose jwtVerify, CryptoKey secret',
    run: () => jwtVerify(token, secretCryptoKey, { algorithms: ['HS256'] }),
  },
  { name: 'fast-jwt createVerifier, cache off', run: () => fastJwtVerify(token) as unknown },
];

// A reference for "material": one sequential GET to an Express 5 app on loopback, client included.
async function expressRoundTripMicroseconds(count: number): Promise<number> {
  const app = express();
  app.get('/ping', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const url = `http://127.0.0.1:${address.port}/ping`;
  const request = async (): Promise<void> => {
    await (await fetch(url)).text();
  };
  await timePerOp(request, 500);
  const result = await timePerOp(request, count);
  server.close();
  return result.wallMicroseconds;
}

for (const { run } of cases) await timePerOp(run, 2_000); // warm-up: JIT, lazy imports

const best = new Map<string, Timing>();
for (const round of [1, 2, 3]) {
  for (const { name, run } of cases) {
    const timing = await timePerOp(run, iterations);
    const previous = best.get(name);
    if (previous === undefined || timing.wallMicroseconds < previous.wallMicroseconds) {
      best.set(name, timing);
    }
    process.stdout.write(`round ${round}  ${name.padEnd(36)} ${format(timing)}\n`);
  }
}

function format({ wallMicroseconds, cpuMicroseconds }: Timing): string {
  return `${wallMicroseconds.toFixed(2)} µs/op wall  ${cpuMicroseconds.toFixed(2)} µs/op CPU`;
}

const fastest = Math.min(...[...best.values()].map((timing) => timing.wallMicroseconds));
process.stdout.write(`\nbest of 3 rounds, N=${iterations}, Node ${process.version}\n`);
for (const [name, timing] of best) {
  const ratio = (timing.wallMicroseconds / fastest).toFixed(1);
  process.stdout.write(`  ${name.padEnd(36)} ${format(timing)}  ${ratio}× the fastest\n`);
}
const roundTrip = await expressRoundTripMicroseconds(2_000);
process.stdout.write(
  `\nreference: Express 5 GET round trip on loopback ${roundTrip.toFixed(1)} µs\n`,
);
