/** Options page: where the backend is and who this agent is, checked against the backend before it is saved. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { checkBackend, whoAmI } from '../../lib/backend-client.ts';
import { agentId, apiKey, backendUrl, DEFAULT_BACKEND_URL, normaliseBackendUrl, tenant } from '../../lib/settings.ts';
import './options.css';

interface Form {
  url: string;
  key: string;
  agent: string;
}

function Options() {
  const [form, setForm] = useState<Form>({ url: '', key: '', agent: '' });
  const [tenantId, setTenantId] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);
  useEffect(() => {
    void Promise.all([backendUrl.getValue(), apiKey.getValue(), agentId.getValue(), tenant.getValue()]).then(([url, key, agent, t]) => {
      setForm({ url, key, agent });
      setTenantId(t);
    });
  }, []);
  const field = (name: keyof Form) => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value });

  const save = async (event: Event) => {
    event.preventDefault();
    const url = normaliseBackendUrl(form.url);
    if (!url) return setStatus({ kind: 'error', text: 'Enter an http:// or https:// URL.' });
    if (!form.agent.trim()) return setStatus({ kind: 'error', text: 'Enter an agent name or id.' });
    // Backends other than this computer need the user's grant for that origin.
    const granted = await browser.permissions.request({ origins: [`${new URL(url).origin}/*`] }).catch(() => false);
    if (!granted) return setStatus({ kind: 'error', text: `Permission to reach ${new URL(url).origin} was not granted.` });
    const health = await checkBackend(url);
    if (!health.ok) {
      await Promise.all([backendUrl.setValue(url), apiKey.setValue(form.key.trim()), agentId.setValue(form.agent.trim())]);
      return setStatus({ kind: 'error', text: `Saved, but the backend did not answer: ${health.message}` });
    }
    // The key decides the tenant: recording it from the backend avoids annotations refused for the wrong tenant.
    const who = await whoAmI(url, form.key.trim());
    if (!who.ok) return setStatus({ kind: 'error', text: `Not saved: ${who.message}` });
    await Promise.all([backendUrl.setValue(url), apiKey.setValue(form.key.trim()), agentId.setValue(form.agent.trim()), tenant.setValue(who.value.tenant)]);
    setTenantId(who.value.tenant);
    setForm({ ...form, url });
    setStatus({ kind: 'ok', text: `Saved. Connected as ${who.value.role} of tenant “${who.value.tenant}”; ${health.value.passages} knowledge passages.` });
  };

  return (
    <main>
      <h1>AITL settings</h1>
      <form onSubmit={save}>
        <label for="backend-url">Backend URL</label>
        <input id="backend-url" type="url" required value={form.url} placeholder={DEFAULT_BACKEND_URL} onInput={field('url')} />
        <p class="hint">{`Default ${DEFAULT_BACKEND_URL}, the backend that \`npm start\` runs.`}</p>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" value={form.key} placeholder="aitl_…" onInput={field('key')} />
        <p class="hint">An agent key from your admin (`npx aitl keys create --tenant T --role agent`). A backend on this computer works without one.</p>
        <label for="agent-id">Agent</label>
        <input id="agent-id" required value={form.agent} onInput={field('agent')} />
        <p class="hint">{`Recorded with every signal you give. Tenant: ${tenantId || '…'} (set by the key).`}</p>
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
