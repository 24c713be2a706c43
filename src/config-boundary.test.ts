import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 14: one configuration, read once. config.ts parses the environment for main.ts and the
// commands in src/cli/; the tracing bootstrap is the one exception (see instrument.ts).
const srcDir = path.dirname(fileURLToPath(import.meta.url));

const sourceFiles = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .map((file) => file.split(path.sep).join('/'))
  .sort();

const textOf = (file: string) => readFileSync(path.join(srcDir, file), 'utf8');

// Spelled in two parts, so that a search of src/ for the reader finds only the two files.
const environmentReader = ['process', 'env'].join('.');

describe('src/', () => {
  it('reads the environment only in config.ts and the tracing bootstrap', () => {
    const readers = sourceFiles.filter((file) => textOf(file).includes(environmentReader));

    expect(readers).toEqual(['config.ts', 'observability/instrument.ts']);
  });

  // The layers below the edges (domain, orders, saga, db, peers, config) never import http/.
  // events/ is an edge beside it: it publishes the API's order resource (order-view.ts) and
  // documents it in AsyncAPI with the API's own schemas and examples.
  it('imports http only from http, the events edge, service.ts and main.ts', () => {
    const importsHttp = /from '(\.\.?\/)+http\//;

    const importers = sourceFiles.filter(
      (file) =>
        !file.startsWith('http/') && !file.startsWith('events/') && importsHttp.test(textOf(file)),
    );

    expect(importers).toEqual(['service.ts']);
  });
});
