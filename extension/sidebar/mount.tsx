/**
 * Mounts the sidebar in a shadow root on a help-desk page, torn down with the content script's context. The host
 * adapter is built with the admin's selector overrides, fetched through the background worker.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import type { SelectorOverrides } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { askForHostConfig } from '../lib/messaging.ts';
import { Sidebar } from './Sidebar.tsx';

export type AdapterFactory = (overrides?: SelectorOverrides) => HostAdapter;

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

function HostSidebar({ create }: { create: AdapterFactory }) {
  const [adapter, setAdapter] = useState<HostAdapter | undefined>(undefined);
  const load = useCallback(async () => {
    const host = create().host;
    const reply = await askForHostConfig();
    setAdapter(create(reply.ok ? reply.config.selectors[host] : undefined));
  }, [create]);
  useEffect(() => void load(), [load]);
  if (!adapter) return null;
  return <Sidebar adapter={adapter} doc={document} reloadAdapter={load} />;
}
