/**
 * People's names in free text: the requester's and the agents' names become `[name]`. Used through shared/redact.ts
 * (redactText, redactAnnotation, redactTicket) by the extension before anything leaves the browser and by the server
 * on ingest and on export.
 *
 * Names come from two places:
 * - known names: the requester and message authors the help-desk page shows, the agent signed in to it (the browser
 *   knows them; the server knows what a request carries). Each is matched whole-word and case-insensitively as the
 *   full name and as the first name (a first name that is also a common word, like Will or Grace, only when
 *   capitalised), and the last name after a title (Ms Pryce). Parts of fewer than two letters (initials) are not;
 * - greeted names: a capitalised word or two after a salutation ("Hi Eleanor,", "Dear Ms Pryce") or under a sign-off
 *   ("Best,\nMarcus"). This is what lets the server redact a name it was never told, such as the requester's in a
 *   reply stored before names were redacted, or the agent's in their own signature.
 *
 * Pure and deterministic; redacting twice changes nothing (`[name]` is never taken for a name).
 */

export const NAME_PLACEHOLDER = '[name]';

/** Titles a last name may follow. */
const TITLES = ['mr', 'mrs', 'ms', 'miss', 'mx', 'dr'];
const TITLE_SET = new Set(TITLES);

// biome-ignore format: a word list reads as a paragraph, not one word a line
/**
 * First names that are everyday words too: matched only as written with a capital, so "will" and "grace" in a reply
 * stay when an agent is called Will or Grace.
 */
const COMMON_WORDS = new Set([
  'april', 'art', 'august', 'bill', 'bob', 'carol', 'chance', 'chase', 'dawn', 'dean', 'destiny', 'eve', 'faith', 'frank', 'gene', 'grace',
  'guy', 'hope', 'iris', 'ivy', 'jack', 'jade', 'joy', 'june', 'lane', 'lee', 'long', 'mark', 'mason', 'max', 'may', 'miles', 'page',
  'pat', 'ray', 'rich', 'rob', 'rose', 'ruby', 'sandy', 'sky', 'summer', 'sunny', 'victor', 'will', 'young',
]);

// biome-ignore format: a word list reads as a paragraph, not one word a line
/** Capitalised words a salutation is often followed by that are not names ("Hi there", "Dear Customer"). */
const NOT_NAMES = new Set([
  'again', 'agent', 'all', 'both', 'colleague', 'colleagues', 'customer', 'customers', 'everybody', 'everyone', 'folks', 'friend',
  'friends', 'guys', 'madam', 'mate', 'members', 'name', 'our', 'service', 'sir', 'so', 'support', 'team', 'the', 'there', 'this', 'user',
  'valued', 'very', 'you', 'your',
]);

const WORD = String.raw`\p{Lu}[\p{L}\p{M}'’-]*\p{L}`;
const GAP = String.raw`[ \t]+`;
/** One or two capitalised words, the second optional; optionally led by a title. */
const NAME = `((?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\\.?${GAP})?${WORD}(?:${GAP}${WORD})?)`;
const SALUTATION = String.raw`(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Gg]ood (?:morning|afternoon|evening)|[Tt]hanks|[Tt]hank you|[Mm]any thanks)`;
const SIGN_OFF = String.raw`(?:[Rr]egards|[Bb]est(?: wishes)?|[Cc]heers|[Ss]incerely(?: yours)?|[Tt]hanks(?: again)?|[Tt]hank you|[Mm]any thanks|[Ww]armly|[Tt]ake care|[Aa]ll the best|[Yy]ours(?: truly)?)`;
/** "Hi Eleanor," (also within a sentence: "open with Dear Eleanor,"), the name followed by punctuation or the line's end. */
const GREETED = new RegExp(String.raw`(?<![\p{L}\p{N}_])${SALUTATION}[ \t]*,?[ \t]+${NAME}[ \t]*(?=[,!.:;\n]|$)`, 'gu');
/** "Best,\nMarcus" or "Kind regards, Dev Okafor" ending a line or the text. */
const SIGNED = new RegExp(String.raw`${SIGN_OFF}[ \t]*[,!.]?(?:[ \t]*\r?\n[ \t]*|[ \t]+)${NAME}[ \t]*(?=\r?\n|$)`, 'gu');

const LETTER = /\p{L}/gu;
const letters = (word: string) => word.match(LETTER)?.length ?? 0;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The words of a name, without titles, initials or what is not part of a name (an address, a bracketed note). */
function nameParts(name: string): string[] {
  const plain = name.replace(/[<(\[].*$/s, '').replace(/\S*@\S*/g, ' ');
  return plain
    .split(/[\s,]+/u)
    .map((w) => w.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, ''))
    .filter((w) => letters(w) >= 2 && !TITLE_SET.has(w.toLowerCase()));
}

/**
 * The names a salutation or sign-off in `text` names (each as written: one or two words, a title dropped), in order
 * of appearance, without repeats.
 */
export function greetedNames(text: string): string[] {
  // Cheap exit: no capital letter after a space, no name.
  if (!/\s\p{Lu}/u.test(text)) return [];
  const found: string[] = [];
  for (const pattern of [GREETED, SIGNED]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const words = nameParts(m[1]!);
      // "Hi there", "Dear Customer Service": not names; "Hi Eleanor Thanks" keeps Eleanor.
      const kept = NOT_NAMES.has(words[0]?.toLowerCase() ?? '') ? [] : NOT_NAMES.has(words[1]?.toLowerCase() ?? '') ? words.slice(0, 1) : words;
      const name = kept.join(' ');
      if (name && !found.includes(name)) found.push(name);
    }
  }
  return found;
}

/**
 * An agent id that is a person's name as written ("Dev Okafor": two to four capitalised words), for the server to
 * redact; undefined for ids that are not (`agent-7`, a `sha256:` pseudonym, an email address, a single word).
 */
export function personName(id: string | undefined): string | undefined {
  const words = id?.trim().split(/\s+/u) ?? [];
  return words.length >= 2 && words.length <= 4 && words.every((w) => new RegExp(`^${WORD}$`, 'u').test(w)) ? words.join(' ') : undefined;
}

/** Compiled redaction of a set of names: `redact(text)` replaces each of them with NAME_PLACEHOLDER. */
export interface NameMatcher {
  /** The distinct names it was made of, sorted. */
  readonly names: readonly string[];
  redact(text: string): string;
}

const EDGE_BEFORE = String.raw`(?<![\p{L}\p{N}_])`;
const EDGE_AFTER = String.raw`(?![\p{L}\p{N}_])`;

/**
 * A matcher for these names (undefined, nothing to do, when none has a part of two letters or more). Longer forms are
 * tried first, so a full name becomes one `[name]`, not two.
 */
export function nameMatcher(names: Iterable<string | null | undefined>): NameMatcher | undefined {
  const insensitive = new Set<string>();
  const capitalised = new Set<string>();
  const afterTitle = new Set<string>();
  const distinct = new Set<string>();
  for (const name of names) {
    if (!name) continue;
    const parts = nameParts(name);
    if (parts.length === 0) continue;
    distinct.add(parts.join(' '));
    if (parts.length > 1) {
      insensitive.add(parts.map(escape).join(String.raw`\s+`));
      afterTitle.add(escape(parts[parts.length - 1]!));
    }
    const first = parts[0]!;
    if (COMMON_WORDS.has(first.toLowerCase())) capitalised.add(escape(first[0]!.toUpperCase() + first.slice(1).toLowerCase()));
    else insensitive.add(escape(first));
  }
  if (distinct.size === 0) return undefined;
  const alternatives = (set: Set<string>) => [...set].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).join('|');
  const patterns: RegExp[] = [];
  if (insensitive.size > 0) patterns.push(new RegExp(`${EDGE_BEFORE}(?:${alternatives(insensitive)})${EDGE_AFTER}`, 'giu'));
  if (capitalised.size > 0) patterns.push(new RegExp(`${EDGE_BEFORE}(?:${alternatives(capitalised)})${EDGE_AFTER}`, 'gu'));
  if (afterTitle.size > 0) {
    const titles = `(?:${TITLES.join('|')})\\.?\\s+`;
    patterns.push(new RegExp(`(?<=${EDGE_BEFORE}${titles})(?:${alternatives(afterTitle)})${EDGE_AFTER}`, 'giu'));
  }
  return {
    names: [...distinct].sort(),
    redact(text) {
      let out = text;
      for (const p of patterns) out = out.replace(p, NAME_PLACEHOLDER);
      return out;
    },
  };
}

/** `text` with these names, and any it greets or signs with, replaced by NAME_PLACEHOLDER. */
export function redactNames(text: string, names: Iterable<string | null | undefined> = []): string {
  return nameMatcher([...names, ...greetedNames(text)])?.redact(text) ?? text;
}
