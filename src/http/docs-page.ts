import type { OpenApiDocument } from './openapi-components.js';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page (no external scripts: helmet's CSP and offline installs both allow it). */
export function docsPage(document: OpenApiDocument): string {
  const rows = Object.entries(document.paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const op = operation as {
          summary?: string;
          responses?: Record<string, { description?: string }>;
        };
        const responses = Object.entries(op.responses ?? {})
          .map(
            ([status, response]) =>
              `<li><code>${status}</code> ${escapeHtml(response.description ?? '')}</li>`,
          )
          .join('');
        return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p>${escapeHtml(op.summary ?? '')}</p><ul>${responses}</ul></section>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Order Service API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h2{font-size:1.1rem;margin-top:2rem}pre{background:#f5f5f5;padding:1rem;overflow:auto}</style></head>
<body><h1>Order Service API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>. Every <code>/api</code> route needs <code>Authorization: Bearer &lt;JWT&gt;</code>.</p>
${rows}
<h2>Schemas</h2><pre>${escapeHtml(JSON.stringify((document.components as { schemas: unknown }).schemas, null, 2))}</pre></body></html>`;
}
