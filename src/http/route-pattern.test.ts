import { describe, expect, it } from 'vitest';
import { routePatterns } from './route-pattern.js';

const routeOf = routePatterns(['/api/orders', '/api/orders/{id}', '/api/orders/{id}/cancel']);

describe('routePatterns', () => {
  it('labels a path by the pattern it aims at, ignoring the query and a trailing slash', () => {
    expect(routeOf('/api/orders')).toBe('/api/orders');
    expect(routeOf('/api/orders/?page=2')).toBe('/api/orders');
    expect(routeOf('/api/orders/17')).toBe('/api/orders/:id');
    expect(routeOf('/api/orders/abc/cancel')).toBe('/api/orders/:id/cancel');
  });

  it('collapses every other path into one value', () => {
    expect(routeOf('/api/orders/17/refund')).toBe('unmatched');
    expect(routeOf('/wp-login.php')).toBe('unmatched');
    expect(routeOf('/api/orders/1/2/3')).toBe('unmatched');
    expect(routeOf('/')).toBe('unmatched');
  });
});
