// @vitest-environment happy-dom
/**
 * Every selector of the Zendesk adapter against the saved pages, refined-github style: how many elements each
 * alternative of each key matches on each page. A selector edited by mistake, or a page that stops showing what a
 * selector reads, fails here by name; an alternative no page matches fails `unmatched`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZENDESK_SELECTORS } from '../../../extension/hosts/zendesk.ts';
import { type FixturePage, matchCounts, unmatched } from './selector-coverage.ts';

function page(name: string, file: string, id: string): FixturePage {
  const root = document.createElement('div');
  root.innerHTML = /<body>([\s\S]*)<\/body>/.exec(readFileSync(`tests/fixtures/zendesk/${file}`, 'utf8'))![1]!;
  return { name, root, vars: { id } };
}

const PAGES = [page('standard', 'agent.html', '48213'), page('custom', 'custom-layout.html', '50120')];

describe('ZENDESK_SELECTORS on the saved pages', () => {
  const counts = matchCounts(ZENDESK_SELECTORS, PAGES);

  it('match what each page shows, per key and alternative', () => {
    expect(counts).toEqual(EXPECTED);
  });

  it('have no alternative that matches nothing anywhere', () => {
    expect(unmatched(ZENDESK_SELECTORS, counts)).toEqual([]);
  });
});

// key → page → matches per alternative, in table order, over the whole page (both open tickets; `{id}` is the
// ticket in the address bar). The standard page shows every standard-layout hook, the custom page the custom-layout,
// messaging and older-subject ones.
const EXPECTED = {
  layout: { standard: [1, 0, 1, 1], custom: [0, 1, 1, 0] },
  activeLayouts: { standard: [1], custom: [1] },
  selectedTab: { standard: [1], custom: [1] },
  subject: { standard: [2, 0], custom: [0, 2] },
  requester: { standard: [2], custom: [2] },
  message: { standard: [5], custom: [3] },
  messageBubble: { standard: [5], custom: [3] },
  messageBody: { standard: [5], custom: [3] },
  messageSender: { standard: [5], custom: [3] },
  messageTime: { standard: [5], custom: [3] },
  internalNote: { standard: [1], custom: [0] },
  composer: { standard: [2, 0, 2], custom: [1, 1, 2] },
  chatComposer: { standard: [0], custom: [1] },
  submitButton: { standard: [2, 0], custom: [0, 2] },
  submitMenu: { standard: [2, 0], custom: [0, 2] },
  submitMenuItem: { standard: [2], custom: [2] },
};
