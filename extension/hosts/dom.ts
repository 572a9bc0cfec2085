/** Small DOM helpers host adapters share. */

/** Runs `callback` at most once per `ms` while the page keeps changing, and once after it settles. */
export function throttle(callback: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      callback();
    }, ms);
  };
}

/** Observes the subtree (and the URL, for soft navigation) until `signal` aborts. */
export function observePage(doc: Document, signal: AbortSignal, onChange: () => void, ms = 150): void {
  const notify = throttle(() => signal.aborted || onChange(), ms);
  const observer = new MutationObserver(notify);
  observer.observe(doc.body, { childList: true, subtree: true, attributes: true, characterData: true });
  const win = doc.defaultView as (Window & { navigation?: EventTarget }) | null;
  win?.addEventListener('popstate', notify, { signal });
  // pushState from the help desk's router: the Navigation API reports it where the browser has it (Chromium).
  win?.navigation?.addEventListener('currententrychange', notify, { signal });
  signal.addEventListener('abort', () => observer.disconnect(), { once: true });
}

/** Sets a textarea's or input's value the way a user would, so frameworks listening for input see it. */
export function typeInto(field: HTMLTextAreaElement | HTMLInputElement, text: string): void {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value')?.set;
  if (setter) setter.call(field, text);
  else field.value = text;
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.dispatchEvent(new Event('change', { bubbles: true }));
  field.focus();
}
