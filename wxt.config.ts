import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { GECKO_ID, manifestKey } from './extension/manifest-key.ts';

// The extension: a sidebar on help-desk pages; every backend call goes through the background service worker.
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  // Copied into the build as is (the managed-storage schema).
  publicDir: 'extension/public',
  // Explicit imports only: a reader sees where each name comes from.
  imports: false,
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser }) => ({
    name: 'AITL reply suggestions',
    description: 'Suggested replies and the knowledge behind them, beside your help-desk tickets.',
    permissions: ['storage', 'alarms', 'unlimitedStorage'],
    // The default backend runs locally; other backends are granted from the options page, or answer the extension's
    // origin with CORS (a URL set by policy needs no grant).
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    ...(browser === 'firefox'
      ? // Firefox reads policy from policies.json (3rdparty.Extensions.<id>) and names the add-on by this id.
        // Its MV2 build asks for other backends' origins as optional permissions (WXT drops optional_host_permissions).
        // What is sent to the backend the admin sets: tickets (help-desk page content, customers' messages) and, with a
        // tenant-wide key, the signed-in agent.
        {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: '115.0',
              data_collection_permissions: { required: ['websiteContent', 'personalCommunications', 'personallyIdentifyingInfo'] },
            },
          },
          optional_permissions: ['https://*/*', 'http://*/*'],
        }
      : {
          // Admin settings by policy (3rdparty.extensions.<id>); Chrome refuses to load the extension if this schema is invalid.
          storage: { managed_schema: 'managed-schema.json' },
          // The public key fixes the extension id (extension/manifest-key.ts, docs/admin.md).
          key: manifestKey(),
        }),
  }),
});
