import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useProcessCluster } from '../support/service-process.js';
import { testJwtSecret } from '../support/tokens.js';

/** The ```bash blocks of the README's "A tour" section, in order. */
export function tourBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## A tour\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** Every `# → 201` the tour promises, in order. */
export function expectedStatuses(script: string): number[] {
  return [...script.matchAll(/# → (\d{3})\b/g)].map((match) => Number(match[1]));
}

function runBash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Node's stdio pipes are sockets, which `curl -o /dev/stderr` cannot open: give the script a
    // real pipe as stderr, as a terminal or `| less` would be.
    const wrapped = `exec 2> >(cat >&2)\n${script}`;
    const child = spawn('bash', ['-eu', '-o', 'pipefail', '-c', wrapped], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README, "A tour"', () => {
  const cluster = useProcessCluster();

  it('answers every command of the tour with the status the README writes beside it', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const script = tourBlocks(readme).join('\n');
    const expected = expectedStatuses(script);
    const service = cluster.start();
    const base = await service.ready();

    const result = await runBash(script, {
      BASE: base,
      PAYMENT: cluster.sandbox.paymentUrl,
      NOTIFICATION: cluster.sandbox.notificationUrl,
      JWT_SECRET: testJwtSecret,
    });

    const statuses = result.stdout
      .split('\n')
      .map((line) => /^(\d{3})\b/.exec(line)?.[1])
      .filter((status) => status !== undefined)
      .map(Number);
    const report = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, report).toBe(0);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    expect(statuses, report).toEqual(expected);
    expect(result.stderr, report).toMatch(/^idempotent-replayed: true\r?$/im);
    for (const status of ['paid', 'cancelled', 'processing']) {
      expect(result.stderr, report).toContain(`"status":"${status}"`);
    }
    expect(result.stderr, report).toContain('"totalAmount":"25.98"');
  }, 120_000);

  it('creates every order it touches: no order id is written into a command', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

    const commands = tourBlocks(readme)
      .join('\n')
      .split('\n')
      .map((line) => line.replace(/#.*$/, ''));

    expect(commands.filter((line) => /\/api\/orders\/\d/.test(line))).toEqual([]);
    expect(commands.filter((line) => /orderId=\d/.test(line))).toEqual([]);
  });
});
