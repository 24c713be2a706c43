import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/free-port.js';
import type { CommandResult } from './command.js';
import { runCommand } from './command.js';

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type MetricFamily = { name: string; type: string; help: string; samples: Sample[] };

/**
 * Parses the Prometheus text format (version 0.0.4) into families; each sample joins the family
 * declared before it, so a histogram's `_bucket`, `_sum` and `_count` lines land in one family.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  const familyNamed = (name: string): MetricFamily => {
    let family = families.get(name);
    if (family === undefined) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment !== null) {
      const [, kind, name = '', rest = ''] = comment;
      current = familyNamed(name);
      if (kind === 'TYPE') current.type = rest;
      else current.help = rest;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (sample === null) throw new Error(`not a sample line: ${line}`);
    const [, name = '', labelText = '', value = ''] = sample;
    const labels: Record<string, string> = {};
    for (const match of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[match[1] ?? ''] = match[2] ?? '';
    }
    const family =
      current !== undefined && name.startsWith(current.name) ? current : familyNamed(name);
    family.samples.push({ name, labels, value: Number(value) });
  }
  return families;
}

/** Whether `command` runs on this machine (promtool and prometheus: Debian package `prometheus`). */
export function hasCommand(command: string): boolean {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** Runs `promtool` with `args`, writing `stdin` to it; stdout and stderr together. */
export function promtool(args: string[], stdin = ''): Promise<CommandResult> {
  return runCommand('promtool', args, { stdin });
}

export type PrometheusServer = {
  url: string;
  /** What the server printed so far (for failure messages). */
  output(): string;
  /** GET `pathAndQuery` on the server's HTTP API, parsed. */
  api(pathAndQuery: string): Promise<unknown>;
  stop(): Promise<void>;
};

/**
 * A real Prometheus server on a free loopback port, with `config` (YAML) as prometheus.yml and
 * a throw-away TSDB directory; `stop()` kills it (only this child) and removes the directory.
 */
export async function startPrometheus(config: string): Promise<PrometheusServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'order-service-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const port = await findFreePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output: () => output,
    async api(pathAndQuery) {
      if (child.exitCode !== null) throw new Error(`prometheus exited:\n${output}`);
      const response = await fetch(url + pathAndQuery);
      if (!response.ok) throw new Error(`prometheus answered ${response.status}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The value of the first sample of `name` at `baseUrl`/metrics whose labels include `labels`. */
export async function scrapeValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return parseExposition(text)
    .get(name)
    ?.samples.find((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )?.value;
}
