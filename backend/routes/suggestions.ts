/** POST /v1/suggestions — authenticate, validate, run the pipeline, record what was shown (for the key's tenant), answer. */
import { Hono } from 'hono';
import { SuggestionRequest } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { signArticleUrl } from '../http/article-links.ts';
import { ApiError, readJson } from '../http/errors.ts';
import { suggestReplies } from '../rag/suggest.ts';
import { saveSuggestion } from '../store/suggestions.ts';

export function suggestionRoutes(deps: AppDeps, guard: Guard): Hono {
  const app = new Hono();
  app.post('/v1/suggestions', guard('agent'), async (c) => {
    const { tenant } = c.get('auth');
    const request = await readJson(c, SuggestionRequest);
    // The key decides the tenant; a request may repeat it, never name another.
    if (request.tenant !== undefined && request.tenant !== tenant) {
      throw new ApiError(403, 'forbidden', `The request names tenant "${request.tenant}" but the key belongs to "${tenant}"`);
    }
    const index = await deps.knowledge.of(tenant);
    const result = await suggestReplies(index, request, { baseUrl: new URL(c.req.url).origin, generator: deps.replies, embedder: deps.embedder });
    const { ticket } = request;
    await saveSuggestion(
      deps.store.db,
      { tenant, agent: request.agent, host: ticket.host, ticketId: ticket.ticketId },
      result,
      ticket,
    );
    // The agent opens an article link in a tab that sends no key, so the response's links are signed with the
    // tenant whose knowledge they show (the stored suggestion keeps them plain).
    return c.json({ ...result, snippets: result.snippets.map((s) => ({ ...s, url: signArticleUrl(s.url, tenant, deps.config.linkSecret) })) }, 200);
  });
  return app;
}
