/**
 * Builds annotation drafts: the id and client time are made here, once, when the agent acts, and the free text is
 * redacted here, before anything leaves the browser — personal data, and the names of the people on the ticket (its
 * requester and message authors) and of the agent signed in to the help desk.
 */
import {
  type AnnotationDraft,
  type PageAgent,
  redactAnnotation,
  SCHEMA_VERSION,
  type SuggestionResponse,
  type TicketContext,
  ticketNames,
  uuidv7,
} from '../../shared/index.ts';

/** The fields every annotation about one shown suggestion shares. */
export interface SuggestionContext {
  host: string;
  ticketId: string;
  suggestionId: string;
  modelVersion: string;
  indexVersion: string;
  /** Names of the people on the ticket, redacted from the drafts' free text (never sent). */
  names?: readonly string[];
}

export function contextOf(ticket: TicketContext, suggestion: SuggestionResponse): SuggestionContext {
  return {
    host: ticket.host,
    ticketId: ticket.ticketId,
    suggestionId: suggestion.suggestionId,
    modelVersion: suggestion.modelVersion,
    indexVersion: suggestion.indexVersion,
    names: ticketNames(ticket),
  };
}

/** The name of the agent the help desk shows as signed in, once the adapter has read it (mount.tsx). */
let pageAgentName: string | undefined;

export function rememberPageAgent(agent: PageAgent | undefined): void {
  if (agent?.name) pageAgentName = agent.name;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Common = keyof SuggestionContext | 'id' | 'schemaVersion' | 'clientTime';
export type SignalFields = DistributiveOmit<AnnotationDraft, Common>;

export function makeDraft(context: SuggestionContext, fields: SignalFields): AnnotationDraft {
  const { host, ticketId, suggestionId, modelVersion, indexVersion } = context;
  const common = {
    host,
    ticketId,
    suggestionId,
    modelVersion,
    indexVersion,
    id: uuidv7(),
    schemaVersion: SCHEMA_VERSION,
    clientTime: new Date().toISOString(),
  };
  return redactAnnotation({ ...fields, ...common } as AnnotationDraft, [...(context.names ?? []), pageAgentName]);
}
