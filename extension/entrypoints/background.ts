/** The service worker: the only place that talks to the backend. Answers the sidebar's typed messages. */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { type Failure, RuntimeMessage } from '../../shared/index.ts';
import { requestSuggestion } from '../lib/backend-client.ts';
import { backendUrl } from '../lib/settings.ts';

export default defineBackground(() => {
  browser.runtime.onMessage.addListener((raw, sender, sendResponse) => {
    // Only our own content scripts and pages may ask; other extensions cannot reach onMessage, but be explicit.
    if (sender.id !== browser.runtime.id) return false;
    const parsed = RuntimeMessage.safeParse(raw);
    if (!parsed.success) {
      const failure: Failure = { ok: false, kind: 'invalid_response', message: 'Unknown message' };
      sendResponse(failure);
      return false;
    }
    handle(parsed.data).then(sendResponse);
    return true;
  });
});

async function handle(message: RuntimeMessage) {
  switch (message.type) {
    case 'suggest':
      return requestSuggestion(await backendUrl.getValue(), message.ticket);
  }
}
