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

// biome-ignore format: a tag list reads as a paragraph, not one tag a line
/** Elements that start and end a line of text. */
const BLOCKS = new Set([
  'p', 'div', 'li', 'ul', 'ol', 'tr', 'table', 'blockquote', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header',
  'footer',
]);

const isElement = (node: Node): node is Element => node.nodeType === 1;

/**
 * Text as a reader sees it: blocks and `<br>` break lines, paragraphs stay apart, other whitespace collapses, editor
 * fillers (zero-width spaces) go; scripts and styles are skipped; shadow roots and same-origin frames are read too.
 */
export function blockText(root: Node | null): string {
  if (!root) return '';
  const parts: string[] = [];
  const visit = (node: Node): void => {
    if (node.nodeType === 3) parts.push((node.nodeValue ?? '').replace(/\s+/g, ' '));
    if (!isElement(node) && node.nodeType !== 11 && node.nodeType !== 9) return;
    const name = isElement(node) ? node.localName : '';
    if (name === 'script' || name === 'style' || name === 'template') return;
    if (name === 'br') {
      parts.push('\n');
      return;
    }
    if (name === 'iframe') {
      const body = (node as HTMLIFrameElement).contentDocument?.body;
      if (body) visit(body);
      return;
    }
    const block = BLOCKS.has(name);
    if (block) parts.push('\n');
    const shadow = isElement(node) ? node.shadowRoot : null;
    if (shadow) visit(shadow);
    node.childNodes.forEach(visit);
    if (block) parts.push('\n');
  };
  visit(root);
  return parts
    .join('')
    .replace(/[\u200b\u2060\ufeff]/g, '')
    .replace(/ *\n */g, '\n')
    .replace(/ {2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
