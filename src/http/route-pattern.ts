/**
 * The `route` label of a request that no route matched: answered before routing (401 from
 * auth, 400 or 413 from the JSON parser, 503 while starting) or 404 for a method the path does
 * not have. It is the API path the request aimed at, as a pattern from the OpenAPI document
 * (`/api/orders/{id}` → `/api/orders/:id`); any other path is `unmatched`, so a scan of random
 * URLs adds one label value, not one per URL.
 */
export function routePatterns(paths: readonly string[]): (url: string) => string {
  const patterns = paths.map((path) => ({
    route: path.replace(/\{(\w+)\}/g, ':$1'),
    // Escape everything but the braces, then let each `{name}` match one path segment.
    regex: new RegExp(
      `^${path.replace(/[.+*?^$()[\]|\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`,
    ),
  }));
  return (url) => {
    const path = url.split('?', 1)[0] ?? url;
    return patterns.find(({ regex }) => regex.test(path))?.route ?? 'unmatched';
  };
}
