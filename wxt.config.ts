import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// The extension: a sidebar on help-desk pages; every backend call goes through the background service worker.
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  // Explicit imports only: a reader sees where each name comes from.
  imports: false,
  vite: () => ({ plugins: [preact()] }),
  manifest: {
    name: 'AITL reply suggestions',
    description: 'Suggested replies and the knowledge behind them, beside your help-desk tickets.',
    permissions: ['storage', 'alarms', 'unlimitedStorage'],
    // The default backend runs locally; other backends are granted from the options page.
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
  },
});
