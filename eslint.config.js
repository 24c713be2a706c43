import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'data/', 'logs/', 'node_modules/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Command-line entry points talk to a person on the terminal.
    files: [
      'sandbox/main.ts',
      'scripts/**/*.ts',
      'src/cli/**/*.ts',
      'examples/client/generate-schema.ts',
      'examples/client/run-tour.ts',
      'examples/consumer/generate-asyncapi.ts',
      'examples/consumer/run-consumer.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // The domain is pure: no I/O, framework, validation library or logger.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!../domain/*'], message: 'domain imports only domain.' },
            { group: ['pg', 'express', 'zod', 'winston', 'node:*'], message: 'domain has no I/O.' },
          ],
        },
      ],
    },
  },
  {
    // http speaks to use cases and the domain, never to the database or the peers directly.
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../db/*', '../peers/*', '../saga/*'],
              message: 'http imports orders and domain.',
            },
          ],
        },
      ],
    },
  },
  {
    // db is data access only: the use cases decide what to store, trace context included.
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../orders/*', '../saga/*', '../http/*', '../peers/*', '../observability/*'],
              message: 'db and peers import domain types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Below http, and the command-line entry points: nothing from http (issue 14). db and domain
    // have stricter rules above.
    files: [
      'src/orders/**/*.ts',
      'src/saga/**/*.ts',
      'src/peers/**/*.ts',
      'src/invariants/**/*.ts',
      'src/observability/**/*.ts',
      'src/cli/**/*.ts',
      'src/config.ts',
      'src/dev-secret.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../http/*', './http/*'],
              message: 'only http, the events edge, service.ts and main.ts import http.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
