/** Content script for Case records in the Salesforce Lightning Service Console. */
import { defineContentScript } from 'wxt/utils/define-content-script';
import { createSalesforceAdapter } from '../../hosts/salesforce.ts';
import { mountSidebar } from '../../sidebar/mount.tsx';
import '../../sidebar/sidebar.css';

export default defineContentScript({
  // Every Lightning page, not only Case URLs: the console opens records without reloading, so the script has to
  // be there already; the adapter decides what is a Case.
  matches: ['https://*.lightning.force.com/lightning/*'],
  cssInjectionMode: 'ui',
  main: (ctx) => mountSidebar(ctx, createSalesforceAdapter),
});
