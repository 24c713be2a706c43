import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function markdownUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownUnder(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

const documents = [
  'README.md',
  'sandbox/README.md',
  'examples/client/README.md',
  'examples/consumer/README.md',
  ...markdownUnder('docs'),
];

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchor: lower case, punctuation dropped except - and _, spaces to -. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8'))
    .split('\n')
    .flatMap((line) => /^#{1,6} (.*)$/.exec(line)?.[1] ?? []);
  const anchors = new Set<string>();
  for (const heading of headings) {
    const slug = slugOf(heading.replace(/`/g, ''));
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n += 1) anchor = `${slug}-${String(n)}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Every `[text](target)` of a document: its target, as written. */
function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

describe('links in the documentation', () => {
  it.each(documents)('%s links only to files and headings that exist', (document) => {
    const file = path.join(root, document);
    const dead: string[] = [];

    for (const link of linksOf(readFileSync(file, 'utf8'))) {
      if (/^(https|mailto):/.test(link)) continue;
      const [target = '', anchor] = link.split('#');
      const resolved = target === '' ? file : path.resolve(path.dirname(file), target);
      if (!resolved.startsWith(root + path.sep) && resolved !== root) {
        dead.push(`${link} (leaves the repository)`);
      } else if (!existsSync(resolved)) {
        dead.push(`${link} (no such file)`);
      } else if (anchor !== undefined && resolved.endsWith('.md')) {
        if (!anchorsOf(resolved).has(anchor)) dead.push(`${link} (no such heading)`);
      } else if (anchor !== undefined && statSync(resolved).isDirectory()) {
        dead.push(`${link} (an anchor into a folder)`);
      }
    }

    expect(dead).toEqual([]);
  });

  it('reads every document there is, and the README stays under 15 KB', () => {
    expect(documents).toContain('docs/api.md');
    expect(documents).toContain('docs/operations.md');
    expect(statSync(path.join(root, 'README.md')).size).toBeLessThanOrEqual(15_000);
  });

  it('gives a heading the anchor GitHub gives it', () => {
    expect(slugOf('Guarantees, and how recovery works')).toBe('guarantees-and-how-recovery-works');
    expect(slugOf("The peers' contract")).toBe('the-peers-contract');
    expect(slugOf('GET /api/orders: listing orders')).toBe('get-apiorders-listing-orders');
    expect(slugOf('The embedded PostgreSQL (development)')).toBe(
      'the-embedded-postgresql-development',
    );
  });

  it('names a runbook entry for every alert, and every alert points at it', () => {
    const alerts = readFileSync(path.join(root, 'ops/prometheus/alerts.yml'), 'utf8');
    const anchors = anchorsOf(path.join(root, 'docs/operations.md'));

    const names = [...alerts.matchAll(/- alert: (\w+)/g)].map((match) => match[1] ?? '');
    const pointers = [...alerts.matchAll(/Runbook: docs\/operations\.md#([\w-]+)/g)].map(
      (match) => match[1] ?? '',
    );

    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !anchors.has(name.toLowerCase()))).toEqual([]);
    expect(pointers).toEqual(names.map((name) => name.toLowerCase()));
  });
});
