/** Options page: where the backend is, checked before it is saved. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { checkBackend } from '../../lib/backend-client.ts';
import { backendUrl, DEFAULT_BACKEND_URL, normaliseBackendUrl } from '../../lib/settings.ts';
import './options.css';

function Options() {
  const [value, setValue] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);
  useEffect(() => void backendUrl.getValue().then(setValue), []);

  const save = async (event: Event) => {
    event.preventDefault();
    const url = normaliseBackendUrl(value);
    if (!url) return setStatus({ kind: 'error', text: 'Enter an http:// or https:// URL.' });
    // Backends other than this computer need the user's grant for that origin.
    const granted = await browser.permissions.request({ origins: [`${new URL(url).origin}/*`] }).catch(() => false);
    if (!granted) return setStatus({ kind: 'error', text: `Permission to reach ${new URL(url).origin} was not granted.` });
    await backendUrl.setValue(url);
    setValue(url);
    const health = await checkBackend(url);
    setStatus(health.ok ? { kind: 'ok', text: `Saved. Connected: ${health.value.passages} knowledge passages.` } : { kind: 'error', text: `Saved, but: ${health.message}` });
  };

  return (
    <main>
      <h1>AITL settings</h1>
      <form onSubmit={save}>
        <label for="backend-url">Backend URL</label>
        <input id="backend-url" type="url" required value={value} placeholder={DEFAULT_BACKEND_URL} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <p class="hint">{`Default ${DEFAULT_BACKEND_URL}, the backend that \`npm start\` runs.`}</p>
        <button type="submit">Save and test</button>
      </form>
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
    </main>
  );
}

render(<Options />, document.getElementById('app')!);
