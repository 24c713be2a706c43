import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  linterEnvironment,
  openApiLinters,
  writeOpenApiDocument,
  type Linter,
} from '../../scripts/lint-openapi.js';
import { runCommand } from '../support/command.js';

// Issue 14, point 5: /openapi.json is a document tools accept. Both linters run as `npm run
// lint:openapi` runs them (redocly.yaml, .spectral.yaml), here with their JSON reports. Every
// warning is fixed or waived in those files, so a new one fails here with its rule and place.

type RedoclyReport = {
  totals: { errors: number; warnings: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
};
type SpectralResult = { code: string; severity: number; message: string; path: string[] };
const spectralSeverities = ['error', 'warning', 'info', 'hint'];

let dir: string;
let linters: Linter[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
  linters = openApiLinters(writeOpenApiDocument(dir), { dir });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const run = async (name: string) => {
  const linter = linters.find((candidate) => candidate.name === name);
  if (linter === undefined) throw new Error(`no linter ${name}`);
  return runCommand(linter.command, linter.args, { env: linterEnvironment });
};

describe('/openapi.json under the OpenAPI linters', () => {
  it('passes Redocly CLI lint (recommended) with no error and no warning', async () => {
    const result = await run('redocly');

    const report = JSON.parse(result.stdout) as RedoclyReport;
    const problems = report.problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`,
    );
    const counts = `${report.totals.errors} errors, ${report.totals.warnings} warnings`;
    expect(problems, counts).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(result.code, result.output).toBe(0);
  });

  it('passes Spectral (spectral:oas) with no error and no warning', async () => {
    const result = await run('spectral');

    expect(result.code, result.output).toBe(0);
    const results = JSON.parse(
      readFileSync(path.join(dir, 'spectral.json'), 'utf8'),
    ) as SpectralResult[];
    const problems = results.map(
      (problem) =>
        `${spectralSeverities[problem.severity] ?? String(problem.severity)} ${problem.code} at ${problem.path.join('.')}: ${problem.message}`,
    );
    const count = (severity: number) => results.filter((r) => r.severity === severity).length;
    expect(problems, `${count(0)} errors, ${count(1)} warnings`).toEqual([]);
  });
});
