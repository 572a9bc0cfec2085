/**
 * Builds the retrieval query from the whole conversation, not only the last message: the newest customer turn
 * weighs most, earlier customer turns and the subject supply what "it" or "my order" refers to, agent turns add
 * a little (they often name the product or policy). Internal notes never enter the query.
 */
import type { TicketContext } from '../../shared/index.ts';
import { tokenize } from './tokenize.ts';

export interface RetrievalQuery {
  /** Readable form, stored with the suggestion and shown to agents. */
  text: string;
  /** Term → weight. */
  terms: Map<string, number>;
  /** Terms of the newest customer message (what is being asked now), each weighing 1. */
  focus: Map<string, number>;
  /** The spoken turns (customer and agent, never notes), oldest first, the subject before them. */
  turns: string[];
}

const CUSTOMER_DECAY = 0.6;
const AGENT_WEIGHT = 0.3;
const SUBJECT_WEIGHT = 0.5;
const FLOOR = 0.1;

export function buildQuery(ticket: TicketContext): RetrievalQuery {
  const terms = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const term of new Set(tokenize(text))) terms.set(term, Math.max(terms.get(term) ?? 0, weight));
  };
  const spoken = ticket.messages.filter((m) => m.role !== 'note');
  let customerTurn = 0;
  let turn = 0;
  for (let i = spoken.length - 1; i >= 0; i--, turn++) {
    const message = spoken[i]!;
    if (message.role === 'customer') add(message.text, Math.max(FLOOR, CUSTOMER_DECAY ** customerTurn++));
    else add(message.text, Math.max(FLOOR / 2, AGENT_WEIGHT * CUSTOMER_DECAY ** turn));
  }
  if (ticket.subject) add(ticket.subject, SUBJECT_WEIGHT);
  const latest = [...spoken].reverse().find((m) => m.role === 'customer') ?? spoken[spoken.length - 1];
  const context = [ticket.subject, ...spoken.slice(0, -1).map((m) => m.text)].filter(Boolean).join(' ');
  const text = [latest?.text ?? '', context ? `[context: ${truncate(context, 300)}]` : ''].filter(Boolean).join(' ');
  const focus = new Map<string, number>();
  for (const term of tokenize(latest?.text ?? '')) focus.set(term, 1);
  const turns = [...(ticket.subject ? [ticket.subject] : []), ...spoken.map((m) => m.text)];
  return { text, terms, focus, turns };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
