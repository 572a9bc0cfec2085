/**
 * A batch of annotations as the server takes it in, before and after the store: each item checked on its own (one
 * malformed item is rejected alone, never the batch), its free text redacted again, and then each stored item's
 * outcome put back in the batch's order.
 *
 *   const intake = checkBatch(batch.items, tenant);
 *   const outcomes = await storeAnnotations(db, tenant, intake.prepared, times);
 *   return batchResults(intake, outcomes);
 */
import { Annotation, annotationTexts, greetedNames, type ItemResult, LIMITS, personName, redactAnnotation, toIssues } from '../../shared/index.ts';
import { jsonProblem } from '../http/json-safety.ts';
import { canonicalJson, hashCanonical, type PreparedAnnotation, type StoreOutcome } from '../store/annotations.ts';

export interface BatchIntake {
  /** Per item of the batch, its result when it was rejected before the store (undefined: it goes to the store). */
  rejected: (ItemResult | undefined)[];
  /** The items to store, redacted, with the hash of each as received. */
  prepared: PreparedAnnotation[];
  /** prepared[i] is the batch's item slots[i]. */
  slots: number[];
}

/** Checks every item of a batch for `tenant`; the valid ones are redacted and ready to store. */
export function checkBatch(items: readonly unknown[], tenant: string): BatchIntake {
  const results: (ItemResult | undefined)[] = new Array(items.length);
  const valid: { annotation: Annotation; hash: string; index: number }[] = [];
  items.forEach((item, index) => {
    const id = labelOf(item, index);
    // Before anything walks it: a NUL the store cannot keep, or nesting no annotation has, rejects this item only.
    const problem = jsonProblem(item);
    if (problem) {
      results[index] = rejected(id, 'invalid', `Invalid annotation: ${problem.path}: ${problem.message}`);
      return;
    }
    const canonical = canonicalJson(item);
    if (Buffer.byteLength(canonical, 'utf8') > LIMITS.annotationBytes) {
      results[index] = rejected(id, 'too_large', `Annotation exceeds ${LIMITS.annotationBytes} bytes of JSON`);
      return;
    }
    const parsed = Annotation.safeParse(item);
    if (!parsed.success) {
      const issues = toIssues(parsed.error);
      const detail = issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      results[index] = rejected(id, 'invalid', `Invalid annotation: ${detail}`);
      return;
    }
    if (parsed.data.tenant !== tenant) {
      results[index] = rejected(id, 'tenant_mismatch', `Annotation names tenant "${parsed.data.tenant}" but the key belongs to "${tenant}"`);
      return;
    }
    valid.push({ annotation: parsed.data, hash: hashCanonical(canonical), index });
  });
  const names = namesBySuggestion(valid.map((v) => v.annotation));
  return {
    rejected: results,
    prepared: valid.map(({ annotation, hash }) => ({ annotation: redactAnnotation(annotation, names.get(annotation.suggestionId)), hash })),
    slots: valid.map((v) => v.index),
  };
}

/** Every item's result in the batch's order: those rejected on the way in, and what the store did with the rest. */
export function batchResults(intake: BatchIntake, outcomes: readonly StoreOutcome[]): ItemResult[] {
  const results = [...intake.rejected];
  outcomes.forEach((outcome, i) => {
    const id = intake.prepared[i]!.annotation.id;
    results[intake.slots[i]!] =
      outcome === 'id_conflict'
        ? rejected(id, 'id_conflict', 'This id was already stored with different content; a new annotation needs a new id')
        : { id, status: outcome };
  });
  return results as ItemResult[];
}

/**
 * The browser redacted the names the page showed; here what the server can know: the agent's name when their id is
 * one, and names greeted or signed with in any text about the same suggestion in this batch (an adoption's
 * "Best, Dev" redacts "Dev" in the rationale sent with it).
 */
function namesBySuggestion(annotations: readonly Annotation[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const a of annotations) {
    const found = [personName(a.agent), ...annotationTexts(a).flatMap(greetedNames)].filter((n): n is string => n !== undefined);
    if (found.length > 0) names.set(a.suggestionId, [...(names.get(a.suggestionId) ?? []), ...found]);
  }
  return names;
}

/** The id to report for item `index`: its own when it has a usable one, else `#<index>`. */
function labelOf(item: unknown, index: number): string {
  const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : `#${index}`;
}

function rejected(id: string, code: string, message: string): ItemResult {
  return { id, status: 'rejected', error: { code, message } };
}
