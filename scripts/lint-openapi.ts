// `npm run lint:openapi`: /openapi.json, as the service builds it, through Redocly CLI
// (redocly.yaml) and Spectral (.spectral.yaml). Exits 1 when either finds an error.
// test/docs/openapi-lint.test.ts runs the same commands with their JSON output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../src/http/openapi.js';

const root = path.resolve(import.meta.dirname, '..');

export type Linter = { name: string; command: string; args: string[] };

/**
 * Both linters over `documentPath`; `report` is where the JSON report goes (Spectral's JSON on
 * stdout is followed by a line of prose), undefined for the human format on the terminal.
 */
export function openApiLinters(documentPath: string, report?: { dir: string }): Linter[] {
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  return [
    {
      name: 'redocly',
      command: bin('redocly'),
      args: [
        'lint',
        '--config',
        path.join(root, 'redocly.yaml'),
        ...(report === undefined ? [] : ['--format', 'json']),
        documentPath,
      ],
    },
    {
      name: 'spectral',
      command: bin('spectral'),
      args: [
        'lint',
        '--ruleset',
        path.join(root, '.spectral.yaml'),
        '--fail-severity',
        'error',
        ...(report === undefined
          ? []
          : ['--format', 'json', '--output', path.join(report.dir, 'spectral.json')]),
        documentPath,
      ],
    },
  ];
}

/** No telemetry and no update check: the linters run offline, in CI as on a laptop. */
export const linterEnvironment = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
};

/** Writes the document the service serves (the version does not affect the lint) to `dir`. */
export function writeOpenApiDocument(dir: string): string {
  const documentPath = path.join(dir, 'openapi.json');
  writeFileSync(documentPath, JSON.stringify(openApiDocument('0.0.0-lint'), null, 2));
  return documentPath;
}

function main(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
  try {
    const documentPath = writeOpenApiDocument(dir);
    let failed = false;
    for (const linter of openApiLinters(documentPath)) {
      console.log(`\n$ ${linter.name} ${linter.args.join(' ')}`);
      const result = spawnSync(linter.command, linter.args, {
        stdio: 'inherit',
        env: linterEnvironment,
      });
      if (result.status !== 0) failed = true;
    }
    return failed ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main();
