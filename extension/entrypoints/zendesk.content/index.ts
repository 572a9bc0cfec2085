/** Content script for the Zendesk Agent Workspace: the adapter follows the agent between ticket tabs in the page. */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { createZendeskAdapter } from '../../hosts/zendesk.ts';
import { mountSidebar } from '../../sidebar/mount.tsx';
import '../../sidebar/sidebar.css';

export default defineContentScript({
  // All of /agent/: the workspace is one page, and the agent reaches tickets from views and the dashboard.
  matches: ['https://*.zendesk.com/agent/*'],
  cssInjectionMode: 'ui',
  main: (ctx) => mountSidebar(ctx, createZendeskAdapter),
});
