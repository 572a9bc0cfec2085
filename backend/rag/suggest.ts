/**
 * The suggestion pipeline: conversation → query → retrieve 75 (lexical, fused with dense when the query has an
 * embedding) → rerank → keep the best 8 → two grounded candidates. Pure over an in-memory index (the async path only
 * adds the query embedding and model replies), so it is as fast in a benchmark as behind the route.
 */
import { type Snippet, type SuggestionRequest, type SuggestionResponse, type TicketContext, uuidv7 } from '../../shared/index.ts';
import type { QueryEmbedder } from './dense.ts';
import type { Mention } from './facets.ts';
import type { ReplyGenerator } from './model-replies.ts';
import { type Draft, generateDrafts, variantPair } from './generate.ts';
import { DEFAULT_VERSION_ID } from '../models/artefacts.ts';
import { shownPair } from './shown-variants.ts';
import type { KnowledgeIndex } from './knowledge-index.ts';
import { buildQuery, type RetrievalQuery } from './query.ts';
import { DEFAULT_RETRIEVAL, type RankedHit, type RetrievalOptions, retrievePassages } from './retrieve.ts';

export const RETRIEVE_K = 75;
export const SHOW_K = 8;
export const MODEL_VERSION = 'builtin-extractive@1';

export interface SuggestOptions {
  /** Origin the backend is reached at; relative knowledge-base links are resolved against it. */
  baseUrl?: string;
  now?: Date;
  /** Unit-length embedding of `query.text` by the index's vector model (see RetrievalOptions.queryVector). */
  queryVector?: Float32Array | undefined;
}

export interface Retrieval {
  query: RetrievalQuery;
  /** Facet values (entities, products…) the conversation mentions, strongest first. */
  mentions: Mention[];
  /** Up to RETRIEVE_K passages, best first, after reranking. */
  ranked: RankedHit[];
  /** Whether dense retrieval was fused in. */
  dense: boolean;
}

/** Conversation → query → retrieve RETRIEVE_K → rerank. */
export function retrieve(index: KnowledgeIndex, ticket: TicketContext, options: Partial<RetrievalOptions> = {}): Retrieval {
  const query = buildQuery(ticket);
  const { mentions, hits, dense } = retrievePassages(index, query, { ...DEFAULT_RETRIEVAL, k: RETRIEVE_K, reranker: index.reranker, ...options });
  return { query, mentions, ranked: hits, dense };
}

/**
 * As `suggest`, but with an embedder (and an index with vectors of its model) the query is embedded first, one call,
 * and dense retrieval fused in; when that call fails the result is exactly the lexical one. When a model-backed reply
 * generator is given its two candidates replace the extractive ones (each falling back to its extractive draft on
 * failure). Without either, exactly `suggest`.
 */
export async function suggestReplies(
  index: KnowledgeIndex,
  request: SuggestionRequest,
  options: SuggestOptions & { generator?: ReplyGenerator | undefined; embedder?: QueryEmbedder | undefined } = {},
): Promise<SuggestionResponse> {
  const { embedder } = options;
  const queryVector =
    options.queryVector ??
    (embedder && embedder.model === index.dense?.model ? await embedder.embedQuery(buildQuery(request.ticket).text) : undefined);
  const { response, drafts } = suggestInternal(index, request, { ...options, queryVector });
  const generator = options.generator;
  if (!generator || response.snippets.length === 0) return response;
  const replies = await generator.generate({
    conversation: conversationText(request),
    snippets: response.snippets,
    customerName: firstName(request),
    extractive: drafts,
  });
  return {
    ...response,
    candidates: replies.map((d, i) => ({ ...d, candidateId: `${response.suggestionId}:${i}` })),
    modelVersion: modelVersion(replies.every((r) => r.fallbackFrom) ? MODEL_VERSION : generator.modelVersion, index),
  };
}

/** The conversation as the model sees it: oldest first, one message a paragraph, capped at the last ~6000 characters. */
function conversationText(request: SuggestionRequest): string {
  const { ticket } = request;
  const lines = ticket.messages.map((m) => `${m.role === 'customer' ? 'Customer' : m.role === 'agent' ? 'Agent' : m.role}: ${m.text.trim()}`);
  if (ticket.subject) lines.unshift(`Subject: ${ticket.subject}`);
  const text = lines.join('\n\n');
  return text.length > 6000 ? `…${text.slice(-6000)}` : text;
}

export function suggest(index: KnowledgeIndex, request: SuggestionRequest, options: SuggestOptions = {}): SuggestionResponse {
  return suggestWithRetrieval(index, request, options).response;
}

/** The suggestion together with the whole reranked list (up to RETRIEVE_K) it was made from, for evaluation. */
export function suggestWithRetrieval(
  index: KnowledgeIndex,
  request: SuggestionRequest,
  options: SuggestOptions = {},
): { response: SuggestionResponse; retrieval: Retrieval } {
  const { response, retrieval } = suggestInternal(index, request, options);
  return { response, retrieval };
}

function suggestInternal(
  index: KnowledgeIndex,
  request: SuggestionRequest,
  options: SuggestOptions,
): { response: SuggestionResponse; retrieval: Retrieval; drafts: Draft[] } {
  const now = options.now ?? new Date();
  const retrieval = retrieve(index, request.ticket, { queryVector: options.queryVector });
  const { query, ranked: retrieved } = retrieval;
  const snippets: Snippet[] = retrieved.slice(0, SHOW_K).map((hit, i) => {
    const p = index.passages[hit.doc]!;
    const section = (JSON.parse(p.metadata) as { section?: unknown }).section;
    return {
      snippetId: p.id,
      articleId: p.article_id,
      title: typeof section === 'string' && section ? `${p.title} — ${section}` : p.title,
      text: p.text,
      url: resolveUrl(p.url, options.baseUrl),
      score: Math.round(hit.score * 1e4) / 1e4,
      rank: i + 1,
    };
  });
  const suggestionId = uuidv7(now.getTime());
  const drafts = generateDrafts(
    {
      queryTerms: query.terms,
      question: [...request.ticket.messages].reverse().find((m) => m.role === 'customer')?.text,
      idf: (t) => index.bm25.idf(t),
      snippets,
      customerName: firstName(request),
    },
    variantPair(shownVariants(index, request.ticket)),
  );
  const response: SuggestionResponse = {
    suggestionId,
    query: query.text,
    snippets,
    candidates: drafts.map((d, i) => ({ candidateId: `${suggestionId}:${i}`, variantId: d.variantId, text: d.text, citations: d.citations })),
    modelVersion: modelVersion(MODEL_VERSION, index),
    indexVersion: retrieval.dense ? index.version : index.lexicalVersion,
    retrieved: retrieved.length,
    createdAt: now.toISOString(),
  };
  return { response, retrieval, drafts };
}

/** The pair of reply variants this ticket is shown by the promoted policy (undefined: the defaults). */
function shownVariants(index: KnowledgeIndex, ticket: TicketContext): [string, string] | undefined {
  const { shown } = index.replyPolicy;
  return shown && shownPair(shown, `${ticket.host}\u0000${ticket.ticketId}`);
}

/** The generator's version, and the variant policy's once the flywheel promoted one: what wrote the candidates. */
function modelVersion(generator: string, index: KnowledgeIndex): string {
  const { versionId } = index.replyPolicy;
  return versionId === DEFAULT_VERSION_ID.variants ? generator : `${generator}+${versionId}`;
}

function resolveUrl(url: string, base?: string): string {
  if (!url || !base || /^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  try {
    return new URL(url, base).toString();
  } catch {
    return url;
  }
}

/** Greets the customer by first name when the page gave one; otherwise a neutral greeting. */
function firstName(request: SuggestionRequest): string | undefined {
  const { ticket } = request;
  const name = ticket.requester?.name ?? [...ticket.messages].reverse().find((m) => m.role === 'customer')?.author;
  const first = name?.trim().split(/\s+/)[0];
  return first && /^[\p{L}'-]{1,40}$/u.test(first) ? first : undefined;
}
