/** Shown when the adapter cannot read the ticket: say so plainly, offer to report the page, never guess. */
import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { HostName } from '../../shared/index.ts';
import { reportPage } from '../background/messaging.ts';

interface Props {
  host: HostName;
  reason: string;
  selectorKey?: string | undefined;
  selectors?: readonly string[] | undefined;
  retry: () => void;
}

export function Unreadable({ host, reason, selectorKey, selectors, retry }: Props) {
  const [reported, setReported] = useState<'no' | 'sending' | 'yes' | string>('no');
  const report = async () => {
    setReported('sending');
    const url = new URL(location.href);
    const reply = await reportPage({
      host,
      // Query and fragment may carry personal data.
      url: url.origin + url.pathname,
      reason,
      ...(selectorKey ? { selectorKey } : {}),
      ...(selectors ? { selectors: [...selectors] } : {}),
      extensionVersion: browser.runtime.getManifest().version,
      clientTime: new Date().toISOString(),
    });
    setReported(reply.ok ? 'yes' : reply.message);
  };
  return (
    <div class="status warning" role="alert" data-unreadable={selectorKey ?? ''}>
      <p>{`Can't read this ticket: ${reason}`}</p>
      <p class="detail">No suggestions are shown rather than risk showing them for the wrong ticket.</p>
      <div class="signal-row">
        <button type="button" onClick={() => void report()} disabled={reported === 'sending' || reported === 'yes'}>
          {reported === 'yes' ? 'Reported — thank you' : 'Report this page'}
        </button>
        <button type="button" class="retry" onClick={retry}>
          Retry
        </button>
      </div>
      {reported !== 'no' && reported !== 'sending' && reported !== 'yes' && <p class="detail">{`Could not report: ${reported}`}</p>}
    </div>
  );
}
