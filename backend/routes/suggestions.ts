/** POST /v1/suggestions — authenticate, validate, run the pipeline, record what was shown (for the key's tenant), answer. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { LIMITS, personName, redactTicket, SuggestionRequest, SuggestionResponse, ticketMatcher } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { signArticleUrl } from '../http/article-links.ts';
import { ApiError, readJson } from '../http/errors.ts';
import { addRoute, auth, failure, invalid, json, jsonBody, security } from '../http/openapi.ts';
import { suggestReplies } from '../rag/suggest.ts';
import { saveSuggestion } from '../store/suggestions.ts';

export function suggestionRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: 'post',
    path: '/v1/suggestions',
    summary: 'Suggest two grounded replies and the knowledge snippets behind them for a ticket',
    description: "Needs the agent role. The suggestion is recorded for the key's tenant.",
    middleware: [guard('agent')] as const,
    security,
    request: { body: jsonBody(SuggestionRequest) },
    responses: {
      200: json(SuggestionResponse, 'Snippets (top 8 of 75 retrieved) and two candidates'),
      ...invalid,
      ...auth,
      413: failure(`Body larger than ${LIMITS.bodyBytes} bytes`),
    },
  });
  addRoute(app, route, async (c) => {
    const { tenant } = c.get('auth');
    const request = await readJson(c, SuggestionRequest);
    // The key decides the tenant; a request may repeat it, never name another.
    if (request.tenant !== undefined && request.tenant !== tenant) {
      throw new ApiError(403, 'forbidden', `The request names tenant "${request.tenant}" but the key belongs to "${tenant}"`);
    }
    const index = await deps.knowledge.of(tenant);
    const result = await suggestReplies(index, request, { baseUrl: new URL(c.req.url).origin, generator: deps.replies, embedder: deps.embedder });
    const { ticket } = request;
    // The agent is answered with the customer's name in the greeting; the store keeps no name (shared/names.ts;
    // personal data in the ticket is redacted by redactTicket, in the rest on export).
    const names = ticketMatcher(ticket, [personName(request.agent)]);
    const kept: SuggestionResponse = {
      ...result,
      query: names?.redact(result.query) ?? result.query,
      candidates: result.candidates.map((c) => ({ ...c, text: names?.redact(c.text) ?? c.text })),
    };
    await saveSuggestion(
      deps.store.db,
      { tenant, agent: request.agent, host: ticket.host, ticketId: ticket.ticketId },
      kept,
      redactTicket(ticket, [personName(request.agent)]),
    );
    // The agent opens an article link in a tab that sends no key, so the response's links are signed with the
    // tenant whose knowledge they show (the stored suggestion keeps them plain).
    return c.json({ ...result, snippets: result.snippets.map((s) => ({ ...s, url: signArticleUrl(s.url, tenant, deps.config.linkSecret) })) }, 200);
  });
  return app;
}
