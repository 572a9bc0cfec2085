/** Mounts the sidebar in a shadow root on a help-desk page, torn down with the content script's context. */
import { render } from 'preact';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import type { HostAdapter } from '../hosts/types.ts';
import { Sidebar } from './Sidebar.tsx';

export async function mountSidebar(ctx: ContentScriptContext, adapter: HostAdapter): Promise<void> {
  const ui = await createShadowRootUi(ctx, {
    name: 'aitl-sidebar',
    position: 'inline',
    anchor: 'body',
    append: 'last',
    // Keys typed in the sidebar must not trigger the help desk's keyboard shortcuts.
    isolateEvents: true,
    onMount(container) {
      render(<Sidebar adapter={adapter} doc={document} />, container);
      return container;
    },
    onRemove(container) {
      if (container) render(null, container);
    },
  });
  ui.mount();
}
