/**
 * Options page: where the backend is and who this agent is, checked against the backend before it is saved. Values
 * set by managed policy or the tenant's admin are shown locked, with where each came from, and follow policy changes
 * live (`storage.onChanged`, area `managed`) without a reload.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { type IgnoredPolicyValue, ROLE_GRANTS } from '../../../shared/index.ts';
import { checkBackend, fetchHostConfig, whoAmI } from '../../background/backend-client.ts';
import { currentSettings } from '../../settings/current-settings.ts';
import { isLocked, type ResolvedSettings } from '../../settings/resolve-settings.ts';
import * as options from '../../settings/settings.ts';
import { DEFAULT_BACKEND_URL, normaliseBackendUrl } from '../../settings/settings.ts';
import { SettingsTable, SourceNote } from './SettingsTable.tsx';
import './options.css';

interface Form {
  url: string;
  key: string;
  agent: string;
  prompts: boolean;
}

type Loaded = { settings: ResolvedSettings; ignored: IgnoredPolicyValue[] };

function Options() {
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const [form, setForm] = useState<Form | undefined>(undefined);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  const reload = useCallback(async () => {
    const { ignored, ...settings } = await currentSettings();
    setLoaded({ settings, ignored });
    // Fields the agent may edit start from what they saved; locked ones always show the value in force.
    setForm(
      (f) =>
        f ?? {
          url: settings.backendUrl.source === 'options' ? settings.backendUrl.value : '',
          key: settings.apiKey.source === 'options' ? settings.apiKey.value : '',
          agent: settings.agentId.value,
          prompts: settings.annotationPrompts.value,
        },
    );
    return settings;
  }, []);

  useEffect(() => {
    // The tenant's settings as the backend has them now; the cache update redraws the page.
    void reload().then(async (s) => {
      const fresh = await fetchHostConfig(s.backendUrl.value, s.apiKey.value);
      if (fresh.ok) await options.hostConfigCache.setValue(fresh.value);
    });
    const onChanged = (_changes: unknown, area: string) => {
      if (area === 'managed' || area === 'local') void reload();
    };
    browser.storage.onChanged.addListener(onChanged);
    return () => browser.storage.onChanged.removeListener(onChanged);
  }, [reload]);

  if (!loaded || !form) return <main aria-busy="true">Loading…</main>;
  const s = loaded.settings;
  const field = (name: 'url' | 'key' | 'agent') => (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
  const managed = [s.backendUrl, s.apiKey, s.tenant].some((x) => x.source === 'policy');

  const save = async (event: Event) => {
    event.preventDefault();
    const url = isLocked(s.backendUrl) ? s.backendUrl.value : normaliseBackendUrl(form.url || DEFAULT_BACKEND_URL);
    if (!url) return setStatus({ kind: 'error', text: 'Enter an http:// or https:// URL.' });
    const key = isLocked(s.apiKey) ? s.apiKey.value : form.key.trim();
    if (!form.agent.trim()) return setStatus({ kind: 'error', text: 'Enter an agent name or id.' });
    const own = async () => {
      await options.agentId.setValue(form.agent.trim());
      if (!isLocked(s.annotationPrompts)) await options.annotationPrompts.setValue(form.prompts);
      if (!isLocked(s.backendUrl)) await options.backendUrl.setValue(url);
      if (!isLocked(s.apiKey)) await options.apiKey.setValue(key);
    };
    if (!isLocked(s.backendUrl)) {
      // Backends other than this computer need the user's grant for that origin.
      const granted = await browser.permissions.request({ origins: [`${new URL(url).origin}/*`] }).catch(() => false);
      if (!granted) return setStatus({ kind: 'error', text: `Permission to reach ${new URL(url).origin} was not granted.` });
    }
    const health = await checkBackend(url);
    if (!health.ok) {
      await own();
      return setStatus({ kind: 'error', text: `Saved, but the key could not be checked: the backend did not answer (${health.message})` });
    }
    // The key decides the tenant: recording it from the backend avoids annotations refused for the wrong tenant.
    const who = await whoAmI(url, key);
    if (!who.ok) return setStatus({ kind: 'error', text: `Not saved: ${who.message}` });
    // Keys of other roles are valid but every suggestion would be refused (403): say so before the sidebar fails.
    if (!ROLE_GRANTS[who.value.role].includes('agent')) {
      const why = `the sidebar needs an agent key, and this is an ${who.value.role} key`;
      // A key set by policy is not the agent's to change: keep the rest of what they saved.
      if (isLocked(s.apiKey))
        return own().then(() => setStatus({ kind: 'error', text: `Saved, but ${why} set by your organisation: ask your admin.` }));
      return setStatus({
        kind: 'error',
        text: `Not saved: this is an ${who.value.role} key (tenant “${who.value.tenant}”); the sidebar needs an agent key. Ask your admin for one (npx aitl keys create --tenant ${who.value.tenant} --role agent).`,
      });
    }
    await own();
    if (s.tenant.source !== 'policy') await options.tenant.setValue(who.value.tenant);
    else if (s.tenant.value !== who.value.tenant) {
      return setStatus({
        kind: 'error',
        text: `The key belongs to tenant “${who.value.tenant}”, but policy sets tenant “${s.tenant.value}”: ask your admin.`,
      });
    }
    setStatus({
      kind: 'ok',
      text: `Saved. Connected as ${who.value.role} of tenant “${who.value.tenant}”; ${health.value.passages} knowledge passages.`,
    });
  };

  return (
    <main>
      <h1>AITL settings</h1>
      {managed && (
        <p class="managed" role="note">
          Your organisation manages this extension: values marked 🔒 are set for you and cannot be changed here.
        </p>
      )}
      <form onSubmit={save}>
        <label for="backend-url">Backend URL</label>
        <input
          id="backend-url"
          type="url"
          value={isLocked(s.backendUrl) ? s.backendUrl.value : form.url}
          placeholder={DEFAULT_BACKEND_URL}
          disabled={isLocked(s.backendUrl)}
          onInput={field('url')}
        />
        <SourceNote setting={s.backendUrl} name="backendUrl" />
        <p class="hint">{`Default ${DEFAULT_BACKEND_URL}, the backend that \`npm start\` runs.`}</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={isLocked(s.apiKey) ? s.apiKey.value : form.key}
          placeholder="aitl_…"
          disabled={isLocked(s.apiKey)}
          onInput={field('key')}
        />
        <SourceNote setting={s.apiKey} name="apiKey" />
        <p class="hint">
          {s.keySource.value === 'policy'
            ? 'One key for your whole team, set by policy: each signal is recorded with the agent your help desk shows as signed in.'
            : 'An agent key from your admin (`npx aitl keys create --tenant T --role agent`). A backend on this computer works without one.'}
        </p>
        <label for="agent-id">Agent</label>
        <input id="agent-id" required value={form.agent} onInput={field('agent')} />
        <p class="hint">{`Recorded with every signal you give${s.keySource.value === 'policy' ? ' when the help desk does not show who is signed in' : ''}. Tenant: ${s.tenant.value}.`}</p>
        <label class="check">
          <input
            id="annotation-prompts"
            type="checkbox"
            checked={isLocked(s.annotationPrompts) ? s.annotationPrompts.value : form.prompts}
            disabled={isLocked(s.annotationPrompts)}
            onChange={(e) => setForm({ ...form, prompts: (e.target as HTMLInputElement).checked })}
          />
          Ask me which reply is better, whether snippets were relevant and what is missing
        </label>
        <SourceNote setting={s.annotationPrompts} name="annotationPrompts" />
        <button type="submit">Save and test</button>
      </form>
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
      <SettingsTable settings={s} ignored={loaded.ignored} />
    </main>
  );
}

render(<Options />, document.getElementById('app')!);
