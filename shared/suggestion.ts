/** POST /v1/suggestions: a ticket in, ranked knowledge snippets and two grounded candidate replies out. */
import { z } from 'zod';
import { TicketContext } from './ticket.ts';

export const SuggestionRequest = z.object({
  ticket: TicketContext,
  /** Who is asking; recorded with the suggestion so later signals can be attributed. */
  tenant: z.string().max(128).optional(),
  agent: z.string().max(128).optional(),
});
export type SuggestionRequest = z.infer<typeof SuggestionRequest>;

export const Snippet = z.object({
  snippetId: z.string(),
  articleId: z.string(),
  title: z.string(),
  text: z.string(),
  /** Link to the passage in the knowledge base (article URL plus anchor), empty when the source had none. */
  url: z.string(),
  score: z.number(),
  /** 1-based position in the list shown to the agent. */
  rank: z.number().int().positive(),
});
export type Snippet = z.infer<typeof Snippet>;

export const Candidate = z.object({
  candidateId: z.string(),
  /** The generator variant that wrote it; preference signals compare variants. */
  variantId: z.string(),
  text: z.string(),
  /** Ids of the snippets (from the same response) this reply is grounded in. */
  citations: z.array(z.string()),
  /** Set when a model variant failed and this built-in reply took its place: the variant that failed. */
  fallbackFrom: z.string().optional(),
});
export type Candidate = z.infer<typeof Candidate>;

export const SuggestionResponse = z.object({
  suggestionId: z.string(),
  /** The retrieval query built from the conversation, shown so agents and analysts can see what was searched. */
  query: z.string(),
  snippets: z.array(Snippet),
  /** Exactly two when the knowledge base had anything relevant, none when it had nothing. */
  candidates: z.array(Candidate).max(2),
  modelVersion: z.string(),
  indexVersion: z.string(),
  /** How many passages the first stage retrieved before reranking (75 unless the corpus is smaller). */
  retrieved: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
});
export type SuggestionResponse = z.infer<typeof SuggestionResponse>;
