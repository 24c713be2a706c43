import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'sandbox/**/*.test.ts',
      'test/**/*.test.ts',
      'chaos/**/*.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    // The OpenTelemetry SDK, started in each worker before a test file imports the service.
    setupFiles: ['test/support/tracing-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2 cores: one PostgreSQL plus a service and sandbox per file; more workers only contend.
    maxWorkers: 2,
    coverage: { provider: 'v8', include: ['src/**/*.ts'], exclude: ['src/**/*.test.ts'] },
  },
});
