/** POST /v1/suggestions — validate, run the pipeline, record what was shown, answer. */
import { Hono } from 'hono';
import { SuggestionRequest } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../http/errors.ts';
import { suggest } from '../rag/suggest.ts';
import { saveSuggestion } from '../store/suggestions.ts';

export function suggestionRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post('/v1/suggestions', async (c) => {
    const request = await readJson(c, SuggestionRequest);
    const result = suggest(deps.knowledge.index, request, { baseUrl: new URL(c.req.url).origin });
    const { ticket } = request;
    await saveSuggestion(
      deps.store.db,
      { tenant: request.tenant ?? deps.config.defaultTenant, agent: request.agent, host: ticket.host, ticketId: ticket.ticketId },
      result,
    );
    return c.json(result, 200);
  });
  return app;
}
