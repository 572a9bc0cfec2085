import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { about, runBatch, seedAnnotations, seedSuggestion, snippets, TICKET } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const PII = {
  email: 'ada.lovelace@example.com',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'DE89 3704 0044 0532 0130 00',
  ssn: '123-45-6789',
};
const all = Object.values(PII).join(' and ');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(gz|jsonl|tsv|json)$/.test(f));
}

describe('redaction on export', () => {
  it('lets no seeded personal data reach any file, wherever it was stored unredacted', async () => {
    const shown = snippets(8).map((s, i) =>
      i === 0 ? { ...s, text: `Write to ${PII.email} or call ${PII.phone}.`, title: `Contact ${PII.email}` } : s,
    );
    const s = await seedSuggestion(store.db, {
      snippets: shown,
      texts: [`Hi, your card ${PII.card} was refunded.`, `We sent it to IBAN ${PII.iban}.`],
      ticket: {
        ...TICKET,
        subject: `Refund for ${PII.email}`,
        messages: [
          { role: 'customer', text: `I am ${PII.email}, SSN ${PII.ssn}, call ${PII.phone}` },
          { role: 'agent', text: `Got it, card ${PII.card}?` },
          { role: 'customer', text: `My IBAN is ${PII.iban}` },
        ],
      },
    });
    const edit = about(s, 'adoption', { outcome: 'edited', sentText: `Refunded to ${all}.`, similarity: 0.6 });
    await seedAnnotations(store.db, [
      edit,
      about(s, 'adoption', { outcome: 'verbatim', sentText: `Mail ${PII.email}`, similarity: 1 }),
      about(s, 'rationale', { adoptionId: edit.id, reasons: ['other'], note: `customer ${all}` }),
      about(s, 'preference'),
      about(s, 'relevance', { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1, label: 'relevant' }),
      about(s, 'relevance', { snippetId: 'doc-2#part', articleId: 'doc-2', rank: 2, label: 'irrelevant' }),
      about(s, 'missing_knowledge', { description: `Customer ${all} asked`, proposedTitle: `For ${PII.email}` }),
    ]);
    const run = await runBatch(store.db, { kinds: ['all'] });
    const files = filesUnder(run.dir);
    expect(files.length).toBe(12); // 11 data files and the manifest
    const everything = files.map((f) => {
      const raw = readFileSync(join(run.dir, f));
      return (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    });
    for (const [i, text] of everything.entries()) {
      for (const [kind, value] of Object.entries(PII)) {
        expect(text, `${kind} in ${files[i]}`).not.toContain(value);
        expect(text.replace(/\\n/g, ' '), `${kind} in ${files[i]}`).not.toContain(value.replace(/ /g, ''));
      }
    }
    const joined = everything.join('\n');
    for (const placeholder of ['[EMAIL]', '[PHONE]', '[CARD]', '[IBAN]', '[SSN]']) expect(joined).toContain(placeholder);
    expect(run.manifest.files.every((f) => f.records > 0 || f.path.startsWith('retrieval.ntuple'))).toBe(true);
  });

  it("lets no requester's or agent's name that a stored text greets or signs with reach any file", async () => {
    // Stored as texts were before names were redacted on the way in: the export finds them by their greetings.
    const s = await seedSuggestion(store.db, {
      texts: ['Hi Eleanor, please send a photo of the lamp.\nBest,\nDev', 'Hi Eleanor! A refund takes 5 days.'],
      ticket: {
        ...TICKET,
        subject: 'Eleanor: cracked lamp',
        messages: [
          { role: 'customer', text: 'Hi, my lamp arrived cracked. Eleanor' },
          { role: 'agent', text: 'Hi Eleanor, sorry to hear it.\n\nKind regards,\nDev Okafor' },
          { role: 'customer', text: 'Thanks Dev. Eleanor wants a refund.' },
        ],
      },
    });
    const edit = about(s, 'adoption', {
      outcome: 'edited',
      candidateId: s.candidates[0],
      sentText: 'Hi Eleanor,\nthe refund is on its way.\nCheers,\nDev Okafor',
      similarity: 0.6,
    });
    await seedAnnotations(store.db, [
      edit,
      about(s, 'adoption', { outcome: 'verbatim', candidateId: s.candidates[1], sentText: 'Hi Eleanor! A refund takes 5 days.', similarity: 1 }),
      about(s, 'rationale', { adoptionId: edit.id, reasons: ['other'], note: 'eleanor wanted it warmer; dev okafor agreed' }),
      about(s, 'preference'),
      about(s, 'relevance', { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1, label: 'relevant' }),
      about(s, 'relevance', { snippetId: 'doc-2#part', articleId: 'doc-2', rank: 2, label: 'irrelevant' }),
      about(s, 'missing_knowledge', { description: 'Eleanor asked about lamp refunds', proposedTitle: 'Refunds for Eleanor' }),
    ]);
    const run = await runBatch(store.db, { kinds: ['all'] });
    const files = filesUnder(run.dir).filter((f) => f !== 'manifest.json');
    const joined = files
      .map((f) => {
        const raw = readFileSync(join(run.dir, f));
        return (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
      })
      .join('\n');
    expect(joined.match(/.{0,80}(eleanor|okafor|\bdev\b).{0,40}/i)?.[0]).toBeUndefined();
    expect(joined).toContain('Hi [name],');
    expect(run.manifest.redaction.placeholders).toContain('[name]');
    for (const path of ['dpo.trl.jsonl.gz', 'sft.openai.jsonl.gz', 'kto.trl.jsonl.gz', 'retrieval.bge.jsonl.gz', 'gaps.jsonl.gz', 'gaps.csv.gz']) {
      expect(run.manifest.files.find((f) => f.path === path)!.records, path).toBeGreaterThan(0);
    }
  });
});
