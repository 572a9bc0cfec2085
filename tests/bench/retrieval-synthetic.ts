/**
 * A synthetic knowledge base of any size for the retrieval scale benchmark, generated deterministically from a seed:
 * a vocabulary of made-up words drawn with Zipf-like frequencies, entities (several passages each) named with rare
 * words plus a generic word ("Hotel", "Works"…), FAQ-like and review-like passages, titles "ENTITY: question", and
 * metadata {category, entity, doc_type}. Conversations name an entity in an agent turn and then ask about it, so
 * queries exercise the whole pipeline (facet mentions, first stage, reranker).
 */
import type { PassageRow } from '../../backend/store/schema.ts';
import { prng } from '../../backend/prng.ts';
import type { TicketContext } from '../../shared/index.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';

export interface SyntheticKb {
  passages: PassageRow[];
  tickets: TicketContext[];
  /** Per ticket, the passage it was made from (a sanity check that retrieval finds it). */
  targets: string[];
}

const CONSONANTS = 'bcdfghjklmnprstvz';
const VOWELS = 'aeiou';
const GENERIC = ['Hotel', 'House', 'Lodge', 'Cafe', 'Kitchen', 'Works', 'Store', 'Studio', 'Garage', 'Clinic'];
const CATEGORIES = ['stay', 'food', 'repair', 'retail', 'health', 'travel', 'sport', 'finance', 'media', 'garden', 'pets', 'home'];

export function syntheticKb(passages: number, seed = 42, queries = 500): SyntheticKb {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);

  // Vocabulary: distinct made-up words of 2 to 4 syllables.
  const vocabularySize = Math.max(2000, Math.min(60_000, Math.round(passages * 0.4)));
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < vocabularySize) {
    let w = '';
    const syllables = 2 + int(3);
    for (let s = 0; s < syllables; s++) w += CONSONANTS[int(CONSONANTS.length)]! + VOWELS[int(VOWELS.length)]!;
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  // Zipf-ish (Zipf–Mandelbrot, s = 1.05, q = 2.7) cumulative distribution for drawing words.
  const cdf = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) cdf[r] = total += 1 / (r + 2.7) ** 1.05;
  const zipfWord = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const sentence = (n: number) => {
    let text = zipfWord();
    for (let i = 1; i < n; i++) text += ` ${zipfWord()}`;
    return text;
  };
  // Entity names use the rarer half of the vocabulary, so they are telling.
  const rareWord = () => words[Math.floor(words.length / 2) + int(Math.floor(words.length / 2))]!;
  const capital = (w: string) => w[0]!.toUpperCase() + w.slice(1);

  const perEntity = 25;
  const entities = Array.from({ length: Math.max(1, Math.ceil(passages / perEntity)) }, () => {
    const name = Array.from({ length: 1 + int(2) }, () => capital(rareWord())).join(' ');
    return { name: `${name} ${GENERIC[int(GENERIC.length)]!}`.toUpperCase(), category: CATEGORIES[int(CATEGORIES.length)]! };
  });

  const rows: PassageRow[] = [];
  for (let i = 0; i < passages; i++) {
    const entity = entities[Math.floor(i / perEntity) % entities.length]!;
    const review = random() < 0.35;
    const body = review ? `${sentence(40 + int(80))}.` : `${capital(sentence(8 + int(20)))}.`;
    const title = review ? `${entity.name}: review` : `${entity.name}: ${capital(sentence(4 + int(6)))}?`;
    rows.push({
      tenant: SHARED_KNOWLEDGE,
      id: `doc-${i}`,
      article_id: `doc-${i}`,
      title,
      text: body,
      url: '',
      anchor: '',
      position: 0,
      metadata: JSON.stringify({ category: entity.category, entity: entity.name, doc_type: review ? 'review' : 'faq' }),
      import_id: 'synthetic',
      created_at: '2026-01-01T00:00:00.000Z',
    });
  }

  const tickets: TicketContext[] = [];
  const targets: string[] = [];
  for (let q = 0; q < queries; q++) {
    const target = rows[int(rows.length)]!;
    targets.push(target.id);
    const entity = (JSON.parse(target.metadata) as { entity: string }).entity;
    const bodyWords = target.text.replace(/[.?]/g, '').split(' ');
    const asked = Array.from({ length: 3 + int(4) }, () => bodyWords[int(bodyWords.length)]!);
    tickets.push({
      host: 'synthetic',
      ticketId: `q-${q}`,
      messages: [
        { role: 'customer', text: `Looking for something in ${capital(sentence(6))}, maybe ${sentence(4)}?` },
        { role: 'agent', text: `The ${entity.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase())} would suit you, ${sentence(5)}.` },
        { role: 'customer', text: `Does it have ${asked.join(' ')} ${sentence(2)}?` },
      ],
    });
  }
  return { passages: rows, tickets, targets };
}
