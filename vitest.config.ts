/**
 * Two projects: `unit` (pure functions, in-memory stores) and `integration` (the HTTP app, the CLI and both store
 * dialects). Browser end-to-end tests live in tests/e2e and run under Playwright, never here.
 *
 *   npx vitest run                         both projects
 *   npx vitest run --project unit
 *   npx vitest run --project integration   needs PostgreSQL: AITL_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
 */
import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  test: {
    projects: [
      {
        // WXT's Vitest plugin: `wxt/browser` and the `browser`/`chrome` globals are WXT's in-memory fake browser
        // (wxt/testing/fake-browser), so the background worker runs in a unit test (tests/unit/extension/background.test.ts).
        plugins: [WxtVitest()],
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Each file uses its own SQLite file and PostgreSQL schema, but one file at a time keeps the shared
          // PostgreSQL server's load (and failure output) easy to read.
          fileParallelism: false,
        },
      },
    ],
  },
});
