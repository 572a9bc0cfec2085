import { defineConfig } from '@playwright/test';

// e2e: real Chromium with the built extension (.output/chrome-mv3) against a really started backend.
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalSetup: './tests/e2e/global-setup.ts',
  use: { trace: 'retain-on-failure' },
});
