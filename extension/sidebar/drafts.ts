/** Builds annotation drafts: the id and client time are made here, once, when the agent acts. */
import { type AnnotationDraft, SCHEMA_VERSION, type SuggestionResponse, type TicketContext, uuidv7 } from '../../shared/index.ts';

/** The fields every annotation about one shown suggestion shares. */
export interface SuggestionContext {
  host: string;
  ticketId: string;
  suggestionId: string;
  modelVersion: string;
  indexVersion: string;
}

export function contextOf(ticket: TicketContext, suggestion: SuggestionResponse): SuggestionContext {
  return {
    host: ticket.host,
    ticketId: ticket.ticketId,
    suggestionId: suggestion.suggestionId,
    modelVersion: suggestion.modelVersion,
    indexVersion: suggestion.indexVersion,
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Common = keyof SuggestionContext | 'id' | 'schemaVersion' | 'clientTime';
export type SignalFields = DistributiveOmit<AnnotationDraft, Common>;

export function makeDraft(context: SuggestionContext, fields: SignalFields): AnnotationDraft {
  const { host, ticketId, suggestionId, modelVersion, indexVersion } = context;
  const common = { host, ticketId, suggestionId, modelVersion, indexVersion, id: uuidv7(), schemaVersion: SCHEMA_VERSION, clientTime: new Date().toISOString() };
  return { ...fields, ...common } as AnnotationDraft;
}
