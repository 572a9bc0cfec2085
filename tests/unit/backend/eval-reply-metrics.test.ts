import { describe, expect, it } from 'vitest';
import { citationPrecision, lcsLength, meanReplyScores, replyTokens, rougeL, scoreReplies, tokenF1 } from '../../../backend/eval/reply-metrics.ts';
import type { SuggestionResponse } from '../../../shared/index.ts';

describe('reply metrics', () => {
  it('tokens: lower case, punctuation and citation markers dropped', () => {
    expect(replyTokens('Hi Ann, reset it [1]. Done [2, 3]!')).toEqual(['hi', 'ann', 'reset', 'it', 'done']);
  });

  it('token F1 counts overlap with multiplicity', () => {
    // pred: the cat sat (3), gold: the cat the dog (4); overlap the, cat = 2 → P 2/3, R 2/4 → F1 4/7.
    expect(tokenF1('the cat sat', 'the cat the dog')).toBeCloseTo(4 / 7);
    expect(tokenF1('a b', 'a b')).toBe(1);
    expect(tokenF1('x', 'y')).toBe(0);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('a', '')).toBe(0);
  });

  it('ROUGE-L is the LCS F-measure', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'b'])).toBe(3);
    // pred: police killed the gunman (4); gold: police kill the gunman (4); LCS police the gunman = 3 → 0.75.
    expect(rougeL('police killed the gunman', 'police kill the gunman')).toBeCloseTo(0.75);
    // Order matters where F1 does not.
    expect(rougeL('b a', 'a b')).toBeCloseTo(0.5);
    expect(tokenF1('b a', 'a b')).toBe(1);
  });

  it('citation precision over cited articles; undefined when nothing is cited', () => {
    expect(citationPrecision(['a', 'b', 'a', 'c'], new Map([['a', 1]]))).toBe(0.5);
    expect(citationPrecision([], new Map([['a', 1]]))).toBeUndefined();
  });

  it('scores a response: mean and best of the candidates, citations mapped through snippets', () => {
    const response = {
      snippets: [
        { snippetId: 's1', articleId: 'good' },
        { snippetId: 's2', articleId: 'bad' },
      ],
      candidates: [
        { text: 'a b', citations: ['s1'] },
        { text: 'x y', citations: ['s1', 's2'] },
      ],
    } as unknown as SuggestionResponse;
    const s = scoreReplies(response, 'a b', new Map([['good', 1]]));
    expect(s).toEqual({ reply_f1: 0.5, reply_rougeL: 0.5, reply_f1_best: 1, reply_rougeL_best: 1, citation_precision: 2 / 3 });
    expect(meanReplyScores([s, { citation_precision: 0 }])).toEqual({ ...s, citation_precision: 1 / 3, n_replies: 1 });
  });
});
