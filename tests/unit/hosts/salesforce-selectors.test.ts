// @vitest-environment happy-dom
/**
 * Every alternative of SALESFORCE_SELECTORS against every saved Service Console page: how many elements each matches
 * (walking open shadow roots, as the adapter does), pinned, so an edited selector or a fixture that stops rendering
 * what a selector reads fails by name; and no alternative that no page shows.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SALESFORCE_SELECTORS } from '../../../extension/hosts/salesforce.ts';
import { type FixturePage, matchCounts, unmatched } from './selector-coverage.ts';

const FIXTURES = resolve('tests/fixtures/salesforce');

/** A fixture page as its own document, its declarative shadow roots attached (happy-dom does not parse them). */
function page(name: string, file: string): FixturePage {
  // Stylesheets and scripts stay out: happy-dom would try to fetch them.
  const html = readFileSync(join(FIXTURES, file), 'utf8').replace(/<link[^>]*>|<script[\s\S]*?<\/script>/g, '');
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const template of doc.querySelectorAll<HTMLTemplateElement>('template[shadowrootmode]')) {
    template.parentElement!.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    template.remove();
  }
  return { name, root: doc };
}

/** Matches in `root` and in every open shadow root below it. */
function deepCount(root: ParentNode, selector: string): number {
  let count = root.querySelectorAll(selector).length;
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) count += deepCount(el.shadowRoot, selector);
  return count;
}

const pages = [page('console', 'console.html'), page('legacy', 'legacy.html')];

describe('SALESFORCE_SELECTORS on the fixture pages', () => {
  const counts = matchCounts(SALESFORCE_SELECTORS, pages, deepCount);

  it('match what each page renders, alternative by alternative', () => {
    // console.html: two Case tabs (the active 00001026 and the background 00001031); legacy.html: one Web-to-Case tab.
    expect(counts).toEqual({
      activeTab: { console: [1], legacy: [1] },
      activePanel: { console: [1, 1], legacy: [1, 1] },
      // Highlights title, layout slot, slotted value, whole layout item: once per case on each page.
      subject: { console: [2, 2, 2, 2], legacy: [1, 1, 1, 1] },
      // Contact cases show the contact (layout slot, slotted value, highlights `> div > p`); Web-to-Case its Web Name.
      contactName: { console: [2, 2, 2, 0], legacy: [0, 0, 0, 1] },
      contactEmail: { console: [2, 2, 0], legacy: [0, 0, 1] },
      // 00001026: internal post, call log, inbound email, outbound email, status change; 00001031: post, email.
      feedItem: { console: [7], legacy: [1] },
      // One comment beside its post (.cuf-compactFeedBack), one inside.
      feedComment: { console: [2], legacy: [0] },
      // One of the three emails renders in a shadow root.
      emailBody: { console: [3, 3], legacy: [1, 1] },
      // Two posts; `.feedBodyInner` is also each comment's body.
      body: { console: [2, 4], legacy: [0, 0] },
      author: { console: [7], legacy: [1] },
      // The parser empties the `<p class="cuf-commentNameLink">` of the comment beside its post: only the comment
      // inside its post matches the first alternative, the other one the second.
      commentAuthor: { console: [1, 1, 2], legacy: [0, 0, 0] },
      commentTime: { console: [2], legacy: [0] },
      commentBody: { console: [2], legacy: [0] },
      visibility: { console: [2], legacy: [0] },
      callLog: { console: [1, 1], legacy: [0, 0] },
      // Lowercase `a.cuf-timestamp`, one per feed item.
      time: { console: [7, 7], legacy: [1, 1] },
      quillEditor: { console: [2], legacy: [0] },
      ckeFrame: { console: [0], legacy: [1] },
      textarea: { console: [2, 2], legacy: [1, 1] },
      // Hidden Log a Call actions and feed spinners.
      hidden: { console: [4], legacy: [2] },
      // Send and Save per tab.
      sendButton: { console: [4], legacy: [2] },
      currentUser: { console: [], legacy: [] },
    });
  });

  it('has no alternative that no page shows (currentUser has none by design)', () => {
    expect(unmatched(SALESFORCE_SELECTORS, counts)).toEqual([]);
  });
});
