/**
 * Shown when no suggestion came back: what went wrong, in the agent's terms, with Retry — and, when the fix is a
 * setting (the backend's address, the API key), a button to the extension's options.
 */
import { useState } from 'preact/hooks';
import { type Failure, KEY_REFUSED_MESSAGE } from '../../shared/index.ts';
import { openOptions } from '../background/messaging.ts';

const HEADLINES: Partial<Record<Failure['kind'], string>> = {
  unreachable: "Can't reach the AITL backend.",
  unauthorized: KEY_REFUSED_MESSAGE,
  forbidden: 'This API key cannot ask for suggestions — ask your admin for an agent key.',
};

const DETAILS: Partial<Record<Failure['kind'], string>> = {
  unreachable: 'Check the backend URL in the options, or try again in a moment.',
  unauthorized: "The AITL backend refused the extension's API key (HTTP 401). Suggestions and saved feedback wait until the key is replaced.",
};

export function Failed({ failure, retry }: { failure: Failure; retry: () => void }) {
  const [optionsError, setOptionsError] = useState<string | undefined>(undefined);
  const fixedInOptions = failure.kind === 'unreachable' || failure.kind === 'unauthorized' || failure.kind === 'forbidden';
  const open = async () => {
    const reply = await openOptions();
    setOptionsError(reply.ok ? undefined : reply.message);
  };
  return (
    <div class="status error" role="alert" data-failure={failure.kind}>
      <p>{HEADLINES[failure.kind] ?? 'The AITL backend could not answer.'}</p>
      {/* Untrusted text (from the backend or the worker): a text node. */}
      {failure.message !== HEADLINES[failure.kind] && <p class="detail">{failure.message}</p>}
      {DETAILS[failure.kind] && <p class="detail">{DETAILS[failure.kind]}</p>}
      <div class="signal-row">
        <button type="button" class="primary retry" onClick={retry}>
          Retry
        </button>
        {fixedInOptions && (
          <button type="button" class="options" onClick={() => void open()}>
            Open AITL options
          </button>
        )}
      </div>
      {optionsError && <p class="detail">{`Could not open the options: ${optionsError}`}</p>}
    </div>
  );
}
