import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { RouteNotFoundError } from './http-errors.js';

/**
 * What `/docs/assets/{file}` serves: three files of swagger-ui-dist, and our initializer. The rest
 * of the package (its index.html and swagger-initializer.js, which load the petstore example;
 * the source maps) is not served.
 */
const vendorFiles = {
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;
const initializerFile = 'init.js';

export const docsAssetNames: readonly string[] = [...Object.keys(vendorFiles), initializerFile];

// In a file of its own, not inline in the page: helmet's CSP allows scripts from 'self' only.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
// persistAuthorization false: a pasted token stays in the tab's memory, never in localStorage.
const initializer = `SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  displayRequestDuration: true,
});
`;

const page = (version: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order Service API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css?v=${version}">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png?v=${version}">
</head>
<body>
<noscript>This page needs JavaScript. The API description is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js?v=${version}"></script>
<script src="/docs/assets/${initializerFile}"></script>
</body>
</html>
`;

const isVendorFile = (file: string): file is keyof typeof vendorFiles =>
  Object.hasOwn(vendorFiles, file);

/**
 * `/docs`: Swagger UI over `/openapi.json`, with Authorize (a bearer token) and try-it-out. Served
 * from the installed swagger-ui-dist, so it works offline and under the service's CSP.
 */
export function docsRoutes(): Router {
  const packageJson = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
  const directory = path.dirname(packageJson);
  const { version } = z
    .object({ version: z.string() })
    .parse(JSON.parse(readFileSync(packageJson, 'utf8')));
  const html = page(version);
  const router = Router();

  // The one directive loosened, for this page only: helmet's upgrade-insecure-requests makes the
  // browser fetch the page's scripts and /openapi.json over https, which the service does not
  // speak, so over plain http from any host but localhost the page stayed blank. Every URL the
  // page uses is same-origin, so on an https page nothing insecure can load without it either.
  const pagePolicy = helmet.contentSecurityPolicy({
    directives: { upgradeInsecureRequests: null },
  });

  // The page and our initializer change with a deploy: revalidate them (ETag) every time.
  router.get('/docs', pagePolicy, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('html').send(html);
  });

  // One route pattern, so the metrics get one `route` label for every file.
  router.get('/docs/assets/:file', (req, res) => {
    const { file } = req.params;
    if (file === initializerFile) {
      res.set('Cache-Control', 'no-cache').type('application/javascript').send(initializer);
      return;
    }
    if (!isVendorFile(file)) throw new RouteNotFoundError();
    // The page asks for `?v=<swagger-ui-dist version>`: what that URL answers never changes.
    const isVersioned = req.query.v === version;
    res.set('Cache-Control', isVersioned ? 'public, max-age=31536000, immutable' : 'no-cache');
    // send keeps the Cache-Control and Content-Type set here and adds ETag and Last-Modified;
    // a read error goes to the error middleware, a client gone away is ignored.
    res.type(vendorFiles[file]).sendFile(path.join(directory, file));
  });

  return router;
}
