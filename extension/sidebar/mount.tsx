/**
 * Mounts the sidebar in a shadow root on a help-desk page, torn down with the content script's context. What it
 * does here — whether it runs on this help desk at all, the selector overrides its adapter uses, which feedback it
 * asks for — comes from the background worker, resolved from policy, the tenant's config and the agent's options;
 * a change to policy or options redraws it without a reload.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import type { PageSettings, SelectorOverrides } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { askForPageSettings, setAgentReader } from '../background/messaging.ts';
import { rememberPageAgent } from './drafts.ts';
import { Sidebar } from './Sidebar.tsx';

export type AdapterFactory = (overrides?: SelectorOverrides) => HostAdapter;

/** Options the agent changes that alter the sidebar; other stored values (caches, the outbox) do not. */
const OPTION_KEYS = ['annotationPrompts', 'backendUrl', 'apiKey'];

export async function mountSidebar(ctx: ContentScriptContext, create: AdapterFactory): Promise<void> {
  const ui = await createShadowRootUi(ctx, {
    name: 'aitl-sidebar',
    position: 'inline',
    anchor: 'body',
    append: 'last',
    // Keys typed in the sidebar must not trigger the help desk's keyboard shortcuts.
    isolateEvents: true,
    onMount(container) {
      render(<HostSidebar create={create} />, container);
      return container;
    },
    onRemove(container) {
      if (container) render(null, container);
    },
  });
  ui.mount();
}

type Loaded = { adapter: HostAdapter; settings: PageSettings };

function HostSidebar({ create }: { create: AdapterFactory }) {
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const load = useCallback(async () => {
    const host = create().host;
    const reply = await askForPageSettings(host);
    // Without an answer from the worker the sidebar still works, with built-in selectors and every prompt.
    const settings: PageSettings = reply.ok
      ? reply.settings
      : { enabled: true, selectors: {}, annotationPrompts: true, pairwisePromptPercent: 100, identifyAgent: false };
    const adapter = create(settings.selectors);
    setAgentReader(settings.identifyAgent ? () => adapter.readAgent(document) : undefined);
    // Whoever is signed in: their name is redacted from what the sidebar sends, whatever the key (drafts.ts).
    void adapter.readAgent(document).then(rememberPageAgent, () => undefined);
    setLoaded({ adapter, settings });
  }, [create]);
  useEffect(() => {
    void load();
    const onChanged = (changes: Record<string, unknown>, area: string) => {
      if (area === 'managed' || (area === 'local' && OPTION_KEYS.some((key) => key in changes))) void load();
    };
    browser.storage.onChanged.addListener(onChanged);
    return () => browser.storage.onChanged.removeListener(onChanged);
  }, [load]);
  if (!loaded?.settings.enabled) return null;
  const { adapter, settings } = loaded;
  return <Sidebar adapter={adapter} doc={document} reloadAdapter={load} prompts={settings} />;
}
