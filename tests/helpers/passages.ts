/** A tiny knowledge base for retrieval tests: two inns that share topics (parking, breakfast, reviews) and a general article. */
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import type { PassageRow } from '../../backend/store/schema.ts';

/** A passage of knowledge base `base` (the shared one by default). */
export function passage(
  id: string,
  title: string,
  text: string,
  metadata: Record<string, unknown> = {},
  base: string = SHARED_KNOWLEDGE,
): PassageRow {
  return {
    id,
    tenant: base,
    article_id: id,
    title,
    text,
    url: '',
    anchor: '',
    position: 0,
    metadata: JSON.stringify(metadata),
    import_id: 'imp',
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

export const TWO_INNS: readonly PassageRow[] = [
  passage('harbour-parking', 'Harbour Inn: parking', 'Parking at Harbour Inn: free parking, and a parking space for every guest.', {
    entity: 'Harbour Inn',
  }),
  passage('harbour-breakfast', 'Harbour Inn: breakfast', 'Breakfast is served from 7 to 10.', { entity: 'Harbour Inn' }),
  passage('harbour-review', 'Harbour Inn: review', 'We loved the harbour views from our room and the quiet garden.', { entity: 'Harbour Inn' }),
  passage('maple-parking', 'Maple Lodge: parking', 'Guests leave their cars in the street; there is no parking on site.', { entity: 'Maple Lodge' }),
  passage('maple-breakfast', 'Maple Lodge: breakfast', 'A continental breakfast is included in every rate.', { entity: 'Maple Lodge' }),
  passage('maple-review', 'Maple Lodge: review', 'Cosy rooms, friendly staff, and the quiet street made for a restful weekend.', {
    entity: 'Maple Lodge',
  }),
  passage('gift-cards', 'Gift cards', 'Gift cards never expire.'),
];
