/**
 * Finds a Chromium for the e2e tests: AITL_CHROMIUM, then Debian's /usr/bin/chromium, then Playwright's own
 * download. Never downloads one itself; says exactly how to get one when none is there.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export function findChromium(): string {
  const candidates = [
    process.env.AITL_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/lib/chromium/chromium',
    '/usr/bin/chromium-browser',
    playwrightChromium(),
  ];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (found) return found;
  throw new Error(
    [
      'No Chromium found for the e2e tests. Install one, then run `npm test` again:',
      '  Debian/Ubuntu:  sudo apt-get install -y chromium',
      '  elsewhere:      npx playwright install chromium',
      '  or point AITL_CHROMIUM at a Chromium or Chrome binary.',
    ].join('\n'),
  );
}

function playwrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}
