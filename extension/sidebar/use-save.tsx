/** Saves one annotation and tracks its state; "saved" is shown only after the worker's durable commit. */
import { useCallback, useState } from 'preact/hooks';
import type { AnnotationDraft } from '../../shared/index.ts';
import { saveAnnotation } from '../background/messaging.ts';

export type SaveState = { status: 'idle' } | { status: 'saving' } | { status: 'saved'; id: string } | { status: 'error'; message: string };

export function useSave() {
  const [state, setState] = useState<SaveState>({ status: 'idle' });
  const save = useCallback(async (draft: AnnotationDraft) => {
    setState({ status: 'saving' });
    const reply = await saveAnnotation(draft);
    setState(reply.ok ? { status: 'saved', id: reply.id } : { status: 'error', message: reply.message });
    return reply.ok;
  }, []);
  const reset = useCallback(() => setState({ status: 'idle' }), []);
  return { state, save, reset };
}

export function SaveStatus({ state, savedText = 'Saved' }: { state: SaveState; savedText?: string }) {
  if (state.status === 'saving') return <span class="save-status">Saving…</span>;
  if (state.status === 'saved') return <span class="save-status saved" role="status">{`✓ ${savedText}`}</span>;
  if (state.status === 'error')
    return (
      <span class="save-status error" role="alert">
        {state.message}
      </span>
    );
  return null;
}
