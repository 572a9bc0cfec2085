/** A stored suggestion for flywheel tests: a password question with one relevant snippet and one unrelated one. */
import type { SuggestionResponse } from '../../shared/index.ts';

export const PASSWORD_SUGGESTION: SuggestionResponse = {
  suggestionId: 'sugg-1',
  query: 'How do I reset my password?',
  snippets: [
    {
      snippetId: 'p-reset',
      articleId: 'a-reset',
      title: 'Resetting a password',
      text: 'Use Forgot password on the sign-in page.',
      url: '',
      score: 1,
      rank: 1,
    },
    { snippetId: 'p-ship', articleId: 'a-ship', title: 'Shipping times', text: 'Parcels arrive in three days.', url: '', score: 0.5, rank: 2 },
  ],
  candidates: [],
  modelVersion: 'builtin-extractive@1',
  indexVersion: 'test',
  retrieved: 2,
  createdAt: '2026-11-20T09:00:00.000Z',
};
