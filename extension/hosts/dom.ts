/** Small DOM helpers host adapters share. */
import { PageAgent } from '../../shared/index.ts';

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

const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+/;

/**
 * The signed-in agent an element names: `data-email` and `data-name` when present, else its text (an email found in
 * it counts as the email, the rest as the name). Undefined when it names nobody.
 */
export function agentFromElement(element: Element | null): PageAgent | undefined {
  if (!element) return undefined;
  const text = element.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const email = element.getAttribute('data-email')?.trim() || EMAIL.exec(text)?.[0];
  const name =
    element.getAttribute('data-name')?.trim() ||
    text
      .replace(EMAIL, '')
      .replace(/[<>()]/g, '')
      .trim();
  const parsed = PageAgent.safeParse({ name: name ? name.slice(0, 200) : undefined, email: email || undefined });
  return parsed.success && (parsed.data.name || parsed.data.email) ? parsed.data : undefined;
}
