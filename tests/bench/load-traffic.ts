/**
 * What the simulated agents of `npm run load` (load.ts) ask and answer: tickets from a few question families,
 * each asked in many wordings, and the annotations an agent would leave on a suggestion. Everything sent is checked
 * with the shared zod contracts first, so a failure to store it is the server's, not a guess of the bench.
 *
 * The checks teach something on purpose: per family the agents hold one article to be the answer — the one the
 * family's first suggestion ranked third — and label every other shown snippet irrelevant. The corpus ranking does
 * not know that, the question memory learns it from the other wordings, so a flywheel cycle has a real gain to find
 * (and a promotion to propagate). Client clocks advance 3 s per signal, so the gate's rapid-fire rule leaves them be.
 */
import { Annotation, LIMITS, SCHEMA_VERSION, SuggestionRequest, type SuggestionResponse, type TicketContext, uuidv7 } from '../../shared/index.ts';
import { prng } from '../../backend/prng.ts';

export const TENANT = 'load';
export const HOST = 'load';

/** A family: ways to ask the same thing, and details that make each ticket's wording its own. */
interface Family {
  subject: string;
  asks: string[];
  details: string[];
}

const FAMILIES: Family[] = [
  {
    subject: 'Item arrived damaged',
    asks: [
      'My {product} arrived broken, can I get a refund?',
      'The {product} I ordered came damaged in the box. What do I do now?',
      'When I unpacked my {product} it was cracked. Can you replace it or refund me?',
    ],
    details: ['The outer box was dented.', 'Do I need to send it back?', 'I have photos of the damage.', 'It was a present so I am quite upset.'],
  },
  {
    subject: 'Where is my parcel',
    asks: [
      'Where is my order? The {product} has not arrived yet.',
      'My {product} delivery is late and tracking has not moved.',
      'Tracking for my {product} still says label created. Is it lost?',
    ],
    details: ['I ordered it last week.', 'The courier website shows nothing.', 'I need it before the weekend.', 'Nobody came to the door.'],
  },
  {
    subject: 'Password reset',
    asks: [
      'I am not getting the password reset email.',
      'The reset password link never arrives in my inbox.',
      'I forgot my password and the reset email does not come.',
    ],
    details: ['I checked spam as well.', 'I tried three times today.', 'I might have signed up with Google.', 'I cannot log in to the app either.'],
  },
  {
    subject: 'Cancel membership',
    asks: [
      'How do I cancel my Vale Plus membership and get a refund?',
      'Please cancel my Vale Plus subscription, I was charged again.',
      'I want to stop Vale Plus renewing. Can I get my fee back?',
    ],
    details: ['I have hardly used it.', 'The renewal came out yesterday.', 'I used free delivery once.', 'I did not know it renews automatically.'],
  },
  {
    subject: 'Smart lamp Wi-Fi',
    asks: [
      'My Halo smart lamp will not connect to Wi-Fi.',
      'The smart {product} keeps failing at connecting in the app.',
      'I cannot get the Halo lamp onto my home wifi network.',
    ],
    details: ['The light blinks blue.', 'My router is 5 GHz.', 'I reset it twice already.', 'The app says connecting and then fails.'],
  },
  {
    subject: 'Change delivery address',
    asks: [
      'Can I change the delivery address on my order for the {product}?',
      'I put the wrong address on my {product} order, can you fix it?',
      'Please send my {product} to my work address instead.',
    ],
    details: ['It has already shipped.', 'I moved house last month.', 'The street number is wrong.', 'I will not be home next week.'],
  },
  {
    subject: 'Promo code not working',
    asks: [
      'My promo code is not working at checkout.',
      'The discount code says invalid when I try to buy the {product}.',
      'Why will my promo code not apply to my basket?',
    ],
    details: ['It is from your newsletter.', 'The {product} is on sale already.', 'I also have a gift card.', 'It worked last time.'],
  },
  {
    subject: 'VAT invoice',
    asks: [
      'I need a VAT invoice for my {product} order.',
      'Where can I download a receipt with VAT for my company?',
      'Can you send me an invoice for the {product} I bought?',
    ],
    details: ['It is for my business.', 'The receipt needs my company name.', 'My accountant asked for it.', 'I paid with a company card.'],
  },
];

const PRODUCTS = ['table lamp', 'duvet cover', 'armchair', 'floor lamp', 'rug', 'mirror', 'sheet set', 'side table'];
const NAMES = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Femi', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kemi', 'Luca'];

/** The article each family's checks call relevant, set by the family's first suggestion (see the top comment). */
const answerOf = new Map<number, string>();

export interface Asked {
  family: number;
  request: SuggestionRequest;
}

/** A simulated agent: its name, its random stream, its clock for clientTime. */
export class Agent {
  readonly name: string;
  private readonly random: () => number;
  private clock: number;
  private tickets = 0;

  constructor(readonly index: number) {
    this.name = `load-agent-${index}`;
    this.random = prng(1_000 + index);
    // A day back, 3 s per signal: far fewer signals than 28,800 fit in a bounded run, so the clock stays in the past.
    this.clock = Date.now() - 86_400_000;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** A new ticket: a family's question in one of its wordings, with a detail, a name and an order number. */
  nextTicket(): Asked {
    const family = Math.floor(this.random() * FAMILIES.length);
    const f = FAMILIES[family]!;
    const product = this.pick(PRODUCTS);
    const text =
      `Hi, ${this.pick(NAMES)} here. ${this.pick(f.asks)} ${this.pick(f.details)} Order JV-${20_000_000 + Math.floor(this.random() * 9_999_999)}.`.replaceAll(
        '{product}',
        product,
      );
    const ticket: TicketContext = {
      host: HOST,
      ticketId: `L${this.index}-${++this.tickets}`,
      subject: f.subject,
      messages: [{ role: 'customer', text }],
    };
    return { family, request: SuggestionRequest.parse({ ticket, agent: this.name }) };
  }

  private at(): string {
    this.clock += 3_000;
    return new Date(this.clock).toISOString();
  }

  /** What the agent leaves on a suggestion: a check per shown snippet, a preference, the reply sent, now and then more. */
  annotate(asked: Asked, s: SuggestionResponse): Annotation[] {
    const snippets = [...s.snippets].sort((a, b) => a.rank - b.rank);
    if (!answerOf.has(asked.family) && snippets.length > 0) answerOf.set(asked.family, snippets[Math.min(2, snippets.length - 1)]!.articleId);
    const answer = answerOf.get(asked.family);
    const base = {
      schemaVersion: SCHEMA_VERSION,
      tenant: TENANT,
      agent: this.name,
      host: HOST,
      ticketId: asked.request.ticket.ticketId,
      suggestionId: s.suggestionId,
      modelVersion: s.modelVersion,
      indexVersion: s.indexVersion,
    };
    const made: unknown[] = [];
    const add = (fields: Record<string, unknown>) => made.push({ id: uuidv7(), ...base, clientTime: this.at(), ...fields });
    for (const snippet of snippets.slice(0, 8)) {
      add({
        kind: 'relevance',
        snippetId: snippet.snippetId,
        articleId: snippet.articleId,
        rank: snippet.rank,
        label: snippet.articleId === answer ? 'relevant' : 'irrelevant',
      });
    }
    const [a, b] = this.random() < 0.5 ? [s.candidates[0], s.candidates[1]] : [s.candidates[1], s.candidates[0]];
    if (a && b) {
      const choice = this.random() < 0.5 ? 'left' : 'right';
      add({
        kind: 'preference',
        choice,
        strength: 'clear',
        leftCandidateId: a.candidateId,
        rightCandidateId: b.candidateId,
        leftVariantId: a.variantId,
        rightVariantId: b.variantId,
      });
      const sent = choice === 'left' ? a : b;
      // Edited, not verbatim: a verbatim send would vouch for every snippet it cites, contradicting "irrelevant" checks.
      const adoptionId = uuidv7();
      made.push({
        id: adoptionId,
        ...base,
        clientTime: this.at(),
        kind: 'adoption',
        outcome: 'edited',
        candidateId: sent.candidateId,
        variantId: sent.variantId,
        sentText: `${sent.text}\n\nKind regards, ${this.name}`.slice(0, 50_000),
        similarity: 0.9,
      });
      // Reasons that flag no passage (flags.ts), so rationales do not demote knowledge behind the checks' back.
      if (this.random() < 0.25)
        add({
          kind: 'rationale',
          adoptionId,
          candidateId: sent.candidateId,
          variantId: sent.variantId,
          reasons: ['wrong_tone'],
          note: 'Too formal for this customer.',
        });
    }
    if (this.random() < 0.1)
      add({
        kind: 'missing_knowledge',
        description: 'No article says how long a replacement takes to ship.',
        proposedTitle: 'Replacement shipping times',
      });
    // The client's own contract check: what fails here is a bug of this file, not a server error.
    return made.map((m) => Annotation.parse(m));
  }
}

/** The outbox of one client: annotations not yet acknowledged, sent in batches of at most LIMITS.batchItems. */
export class Outbox {
  private readonly pending = new Map<string, Annotation>();
  add(items: Annotation[]): void {
    for (const a of items) this.pending.set(a.id, a);
  }
  next(): Annotation[] {
    return [...this.pending.values()].slice(0, LIMITS.batchItems);
  }
  /** Dropped once the server said accepted, duplicate or rejected: retrying will not change the answer. */
  settle(id: string): void {
    this.pending.delete(id);
  }
  get size(): number {
    return this.pending.size;
  }
}

/** A small knowledge file with one distinctive new article, as the admin import route takes it (JSONL). */
export function knowledgeFile(runId: string): string {
  return `${JSON.stringify({
    id: `load-test-${runId}`,
    title: `Polishing the Zephyr moonstone bookends (${runId})`,
    body:
      'Zephyr moonstone bookends are polished with a dry microfibre cloth only. Never use water, oil or metal polish on ' +
      'the moonstone: it clouds the surface for good. A light scratch fades if you buff it in small circles for a minute.',
  })}\n`;
}
