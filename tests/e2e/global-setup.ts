/** Fails the e2e run once, up front, with install instructions when there is no Chromium or no built extension. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium } from './chromium.ts';
import { EXTENSION_DIR } from './fixtures.ts';

export default function globalSetup(): void {
  findChromium();
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json')))
    throw new Error('The extension is not built: run `npx wxt build` (npm test does it for you).');
}
