import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// `yaml` is installed through vitest and @opentelemetry/configuration; not a direct dependency.
import { parse, parseAllDocuments } from 'yaml';
import { runCommand } from '../support/command.js';

/**
 * The deployment artefacts (Dockerfile, docker-compose.yml, ops/compose/, deploy/k8s/): their
 * validators when installed (docker-compose, kubectl, promtool; a test is skipped with the reason
 * otherwise) and, always, the invariants that tie them to the service by parsing them.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (...parts: string[]) => path.join(root, ...parts);

const run = (command: string, args: string[], cwd = root) => runCommand(command, args, { cwd });

/** Whether `command args` exits 0 here; why not otherwise. */
function missing(command: string, args: string[], why: string): string | undefined {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0 ? undefined : why;
}

/** kubectl with a kustomize new enough (v4+) for `resources:` directories, `labels:` and `patches:`. */
function kustomizeMissing(): string | undefined {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    return 'kubectl is not installed (Debian package kubernetes-client, or the Kubernetes project kubectl)';
  }
  const kustomize = /Kustomize Version: v(\d+)/.exec(result.stdout)?.[1];
  return kustomize !== undefined && Number(kustomize) >= 4
    ? undefined
    : `kubectl's embedded kustomize is older than v4 (${result.stdout.trim().split('\n')[0] ?? ''})`;
}

function skipReason(reason: string | undefined): boolean {
  // Printed, so a run that skipped says why in its log.
  if (reason !== undefined) process.stdout.write(`deploy-artefacts: skipped: ${reason}\n`);
  return reason !== undefined;
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any };

async function yamlFile(...parts: string[]): Promise<any> {
  // merge: docker-compose.yml's replicas share settings through `<<:` merge keys.
  return parse(await readFile(at(...parts), 'utf8'), { merge: true });
}

function manifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

async function baseManifests(): Promise<Manifest[]> {
  const kustomization = await yamlFile('deploy/k8s/base/kustomization.yaml');
  const files = kustomization.resources as string[];
  const texts = await Promise.all(
    files.map((file) => readFile(at('deploy/k8s/base', file), 'utf8')),
  );
  return texts.flatMap(manifests);
}

function one(all: Manifest[], kind: string): Manifest {
  const found = all.filter((manifest) => manifest.kind === kind);
  expect(
    found.map((manifest) => manifest.metadata.name),
    kind,
  ).toHaveLength(1);
  return found[0]!;
}

/** What the process may take to stop after SIGTERM: the drain plus src/main.ts's force-exit margin. */
const forceExitMarginMs = 5_000;

/** The command `npm start` runs after its build. */
async function startCommand(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(at('package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return (pkg.scripts.start ?? '').split(' ');
}

describe('Dockerfile', () => {
  it('builds in stages on node:24-bookworm-slim and runs what npm start runs, as non-root under tini', async () => {
    const dockerfile = await readFile(at('Dockerfile'), 'utf8');
    const lines = dockerfile
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    const instructions = (name: string) =>
      lines.filter((line) => line.toUpperCase().startsWith(`${name} `));

    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(instructions('FROM').length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/RUN npm ci --no-audit/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    // The runtime stage is the last one; everything below its FROM describes the image.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/NODE_ENV=production/);
    const user = /^USER (\S+)$/m.exec(runtime)?.[1] ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(runtime).toMatch(/HEALTHCHECK .*\/health\/live/s);
    expect(JSON.parse(/^ENTRYPOINT (.*)$/m.exec(runtime)?.[1] ?? '[]')).toEqual([
      '/usr/bin/tini',
      '--',
    ]);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
    expect(cmd).toEqual(await startCommand());
  });

  it('.dockerignore keeps local state out of the build context', async () => {
    const ignored = (await readFile(at('.dockerignore'), 'utf8')).split('\n');
    for (const entry of ['node_modules', 'dist', 'data', 'logs', '.env', '.git']) {
      expect(ignored).toContain(entry);
    }
  });
});

describe('docker-compose.yml', () => {
  it('passes docker-compose config', async ({ skip }) => {
    skip(
      skipReason(
        missing(
          'docker-compose',
          ['version'],
          'docker-compose is not installed (Debian package docker-compose)',
        ),
      ),
    );

    const result = await run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);

    expect(result.code, result.output).toBe(0);
  });

  it('runs two production replicas against PostgreSQL, the sandbox and Jaeger, stopped after their drain', async () => {
    const compose = await yamlFile('docker-compose.yml');
    const services = compose.services as Record<string, any>;
    const replicas = Object.keys(services).filter((name) => name.startsWith('order-service-'));

    expect(replicas).toHaveLength(2);
    expect(services.postgres.image).toBe('postgres:15');
    expect(services.jaeger.environment.COLLECTOR_OTLP_ENABLED).toBe('true');
    expect(services.sandbox.command).toEqual(['node', '--import', 'tsx', 'sandbox/main.ts']);
    expect(services.sandbox.environment.SANDBOX_HOST).toBe('0.0.0.0');
    for (const name of replicas) {
      const environment = services[name].environment as Record<string, string>;
      expect(environment.NODE_ENV).toBe('production');
      expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      for (const peer of ['PRODUCT', 'PAYMENT', 'NOTIFICATION']) {
        expect(environment[`${peer}_SERVICE_URL`]).toMatch(/^http:\/\/sandbox:300[123]$/);
      }
      const graceMs = Number(environment.SHUTDOWN_GRACE_MS ?? 25_000);
      const stopSeconds = Number(/^(\d+)s$/.exec(services[name].stop_grace_period)?.[1]);
      expect(stopSeconds * 1000).toBeGreaterThanOrEqual(graceMs + forceExitMarginMs);
    }
  });

  it('mounts the ops/ alert rules and dashboard, and Prometheus scrapes both replicas as order-service', async () => {
    const compose = await yamlFile('docker-compose.yml');
    const services = compose.services as Record<string, { volumes?: string[] }>;
    const mounts = (service: string) =>
      (services[service]?.volumes ?? []).map((volume) => volume.split(':')[0] ?? '');

    expect(mounts('prometheus')).toContain('./ops/prometheus/alerts.yml');
    expect(mounts('grafana')).toContain('./ops/grafana/order-service.json');
    for (const source of [...mounts('prometheus'), ...mounts('grafana')]) {
      expect(existsSync(at(source)), source).toBe(true);
    }
    const prometheus = await yamlFile('ops/compose/prometheus/prometheus.yml');
    const job = (prometheus.scrape_configs as any[]).find((c) => c.job_name === 'order-service');
    const targets = job.static_configs.flatMap((c: { targets: string[] }) => c.targets);
    const replicas = Object.keys(services).filter((name) => name.startsWith('order-service-'));
    expect(targets.sort()).toEqual(replicas.map((name) => `${name}:3004`).sort());
  });

  it('ops/compose/prometheus/prometheus.yml passes promtool check config with the alert rules', async ({
    skip,
  }) => {
    skip(
      skipReason(
        missing('promtool', ['--version'], 'promtool is not installed (Debian package prometheus)'),
      ),
    );
    const directory = await mkdtemp(path.join(tmpdir(), 'order-service-prometheus-'));
    try {
      // The rules path is the container's: point it at the repository's file.
      const config = (await readFile(at('ops/compose/prometheus/prometheus.yml'), 'utf8')).replace(
        '/etc/prometheus/rules/*.yml',
        at('ops/prometheus/alerts.yml'),
      );
      await writeFile(path.join(directory, 'prometheus.yml'), config);

      const result = await run('promtool', ['check', 'config', 'prometheus.yml'], directory);

      expect(result.code, result.output).toBe(0);
      expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('provisions Grafana with a default Prometheus datasource and the dashboard folder', async () => {
    const datasources = await yamlFile(
      'ops/compose/grafana/provisioning/datasources/prometheus.yml',
    );
    const dashboards = await yamlFile(
      'ops/compose/grafana/provisioning/dashboards/order-service.yml',
    );

    expect(datasources.datasources).toContainEqual(
      expect.objectContaining({
        type: 'prometheus',
        url: 'http://prometheus:9090',
        isDefault: true,
      }),
    );
    expect(dashboards.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('deploy/k8s', () => {
  for (const directory of ['deploy/k8s', 'deploy/k8s/overlays/production']) {
    it(`kubectl kustomize ${directory} renders`, async ({ skip }) => {
      skip(skipReason(kustomizeMissing()));

      const result = await run('kubectl', ['kustomize', directory]);

      expect(result.code, result.output).toBe(0);
      const kinds = manifests(result.output).map((manifest) => manifest.kind);
      for (const kind of [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'ConfigMap',
        'ServiceMonitor',
      ]) {
        expect(kinds).toContain(kind);
      }
    });
  }

  it('the base lists every manifest in deploy/k8s/base', async () => {
    const kustomization = await yamlFile('deploy/k8s/base/kustomization.yaml');
    const files = (await readdir(at('deploy/k8s/base'))).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );

    expect([...(kustomization.resources as string[])].sort()).toEqual(files.sort());
  });

  it('the Deployment outlives its drain, probes the health routes and runs non-root on a read-only root', async () => {
    const all = await baseManifests();
    const deployment = one(all, 'Deployment');
    const config = one(all, 'ConfigMap') as Manifest & { data: Record<string, string> };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const preStop = container.lifecycle.preStop.exec.command as string[];
    const preStopMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : Number.NaN;
    const graceMs = Number(config.data.SHUTDOWN_GRACE_MS ?? 25_000);

    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(preStopMs).toBeGreaterThanOrEqual(3_000);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      preStopMs + graceMs + forceExitMarginMs,
    );
    expect(container.ports).toContainEqual(
      expect.objectContaining({ name: 'http', containerPort: Number(config.data.PORT) }),
    );
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    // The only writable paths, LOG_DIR and /tmp, are emptyDirs.
    const emptyDirs = new Set(
      (pod.volumes as { name: string; emptyDir?: object }[])
        .filter((volume) => volume.emptyDir !== undefined)
        .map((volume) => volume.name),
    );
    const writable = (container.volumeMounts as { name: string; mountPath: string }[])
      .filter((mount) => emptyDirs.has(mount.name))
      .map((mount) => mount.mountPath);
    expect(writable.sort()).toEqual([config.data.LOG_DIR, '/tmp'].sort());
    expect(config.data.NODE_ENV).toBe('production');
  });

  it('the Service, HPA, PDB and ServiceMonitor select the Deployment’s pods', async () => {
    const all = await baseManifests();
    const deployment = one(all, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => podLabels[key] === value);
    const service = one(all, 'Service');
    const hpa = one(all, 'HorizontalPodAutoscaler');
    const pdb = one(all, 'PodDisruptionBudget');
    const monitor = one(all, 'ServiceMonitor');

    expect(selects(service.spec.selector)).toBe(true);
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const serviceLabels = (service as any).metadata.labels as Record<string, string>;
    expect(
      Object.entries(monitor.spec.selector.matchLabels).every(
        ([key, value]) => serviceLabels[key] === value,
      ),
    ).toBe(true);
    expect(monitor.spec.endpoints).toContainEqual(
      expect.objectContaining({ port: service.spec.ports[0].name, path: '/metrics' }),
    );
    // ops/prometheus/alerts.yml assumes job="order-service".
    expect(serviceLabels[monitor.spec.jobLabel]).toBe('order-service');
  });
});
