import { describe, expect, it } from 'vitest';
import { QuestionMemory, questionTerms, rememberedTerms, rememberedText } from '../../../backend/rag/question-memory.ts';
import { tokenize } from '../../../backend/rag/tokenize.ts';

const asked = (text: string) => questionTerms(tokenize(text), []);
const memoryOf = (judged: { doc: number; relevant?: string[]; irrelevant?: string[] }[]) =>
  new QuestionMemory(
    judged.map((j) => ({ doc: j.doc, relevant: j.relevant ?? [], irrelevant: j.irrelevant ?? [] })),
    () => 1,
  );
const recall = (memory: QuestionMemory, text: string, threshold = 0.2) => memory.recall(memory.neighbours(asked(text)), threshold);

describe('QuestionMemory', () => {
  it('one check on the same words is enough; agreement raises the memory, a contradicting check cancels it', () => {
    const one = recall(memoryOf([{ doc: 1, relevant: ['reset my router password'] }]), 'reset my router password').get(1)!;
    expect(one).toBeCloseTo(0.8, 6);
    const two = recall(
      memoryOf([{ doc: 1, relevant: ['reset my router password', 'router password reset, I forgot it'] }]),
      'reset my router password',
    ).get(1)!;
    expect(two).toBeGreaterThan(one);
    // The same words twice (case, stop words aside) are one question checked twice: they agree too.
    expect(
      recall(memoryOf([{ doc: 1, relevant: ['reset my router password', 'Reset the router password!'] }]), 'reset my router password').get(1)!,
    ).toBeGreaterThan(one);
    const contradicted = recall(
      memoryOf([{ doc: 1, relevant: ['reset my router password'], irrelevant: ['reset the router password'] }]),
      'reset my router password',
    );
    expect(contradicted.get(1) ?? 0).toBe(0);
    const outvoted = recall(
      memoryOf([{ doc: 1, relevant: ['reset my router password'], irrelevant: ['reset the router password', 'router password reset, I forgot it'] }]),
      'reset my router password',
    );
    expect(outvoted.get(1)!).toBeLessThan(0);
  });

  it('a loose match only nudges, and "irrelevant" counts only for near questions', () => {
    const memory = memoryOf([
      { doc: 1, relevant: ['reset my router password'] },
      { doc: 2, irrelevant: ['reset my router password'] },
    ]);
    const loose = recall(memory, 'router lights blinking after a power cut');
    expect(loose.get(1) ?? 0).toBeLessThan(0.1);
    expect(loose.has(2)).toBe(false);
    expect(recall(memory, 'reset my router password').get(2)).toBeLessThan(-0.5);
  });

  it('below the threshold a question is not remembered at all', () => {
    const memory = memoryOf([{ doc: 1, relevant: ['reset my router password'] }]);
    expect(recall(memory, 'password for the wifi', 0.8).size).toBe(0);
    expect(memory.neighbours(asked('something else entirely')).questions).toEqual([]);
  });

  it('remembers the conversation with the question, weighing it half', () => {
    const text = rememberedText(
      { host: 'demo', ticketId: 't', subject: 'Maple Lodge', messages: [{ role: 'customer', text: 'Is breakfast included?' }] },
      'Is breakfast included?',
    );
    expect(text).toBe('Is breakfast included? ¶ Maple Lodge');
    expect(Object.fromEntries(rememberedTerms(text))).toEqual({ breakfast: 1, includ: 1, mapl: 0.5, lodg: 0.5 });
  });
});
