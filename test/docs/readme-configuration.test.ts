import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** The keys of src/config.ts's environment schema: every variable the service reads. */
function variablesOfConfig(source: string): string[] {
  const start = source.indexOf('const environmentSchema = z.object({');
  const end = source.indexOf('\n});', start);
  return [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map(
    (match) => match[1] ?? '',
  );
}

describe('README, "Configuration"', () => {
  it('has a row for every variable src/config.ts reads, and .env.example names each', () => {
    const variables = variablesOfConfig(read('src/config.ts'));
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## Configuration\n'));
    const table = section.slice(0, section.indexOf('\n## ', 1));
    const envExample = read('.env.example');

    expect(variables.length).toBeGreaterThan(30);
    expect(variables.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
    expect(variables.filter((name) => !envExample.includes(name))).toEqual([]);
  });
});
