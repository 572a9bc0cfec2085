/** Content script for the demo help desk served by the backend. */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { createDemoAdapter } from '../../hosts/demo.ts';
import { mountSidebar } from '../../sidebar/mount.tsx';
import '../../sidebar/sidebar.css';

export default defineContentScript({
  // Any port: the backend's port is configurable.
  matches: ['http://127.0.0.1/demo/*', 'http://localhost/demo/*'],
  cssInjectionMode: 'ui',
  main: (ctx) => mountSidebar(ctx, createDemoAdapter),
});
