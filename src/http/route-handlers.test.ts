import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const httpDir = new URL('./', import.meta.url);

/** Every `router.<verb>(…)` of the route modules, with the number of lines it spans. */
function routeHandlers(): { where: string; lines: number }[] {
  const files = readdirSync(httpDir).filter((name) => name.endsWith('-routes.ts'));
  return files.flatMap((file) => {
    const lines = readFileSync(new URL(file, httpDir), 'utf8').split('\n');
    return lines.flatMap((line, index) => {
      const start = /^(\s*)router\.(get|post|patch|put|delete)\(/.exec(line);
      if (start === null) return [];
      const indent = start[1] ?? '';
      const end = lines.findIndex((other, at) => at > index && other.startsWith(`${indent}});`));
      return [{ where: `${file}:${index + 1} ${line.trim()}`, lines: end - index + 1 }];
    });
  });
}

// Issue 14: a route is parse → use case → send. A handler that grows past this is doing a use
// case's work (or the HTTP mapping's) in the route.
describe('route handlers', () => {
  it('are each under 30 lines', () => {
    const handlers = routeHandlers();
    expect(handlers.length).toBeGreaterThan(8);
    const long = handlers.filter((handler) => handler.lines >= 30 || handler.lines < 2);
    expect(long).toEqual([]);
  });
});
