/**
 * Removes personal data from free text before it is stored or sent: email addresses, phone numbers, payment card
 * numbers, IBANs and US social security numbers become `[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`, `[SSN]`
 * (`redactPii`), and people's names `[name]` (`redactText` with the names known, shared/names.ts).
 *
 * Run by the extension before an annotation leaves the browser and again by the server before it stores one, and
 * by the exports on every text they write.
 * Pure and deterministic: the same text always redacts the same way, and redacting twice changes nothing.
 *
 * It errs on the side of keeping what support work needs: order numbers (`JV-20517342`, `#1002`), dates, times,
 * prices, tracking ids and postcodes stay. Numbers are only taken for cards when they pass the Luhn check, for
 * IBANs when the country's length and the mod-97 check match, and for phones when they have the shape of one
 * (an international `+` prefix, a national trunk `0`, or the North American 3-3-4 grouping).
 */
import type { Annotation } from './annotations.ts';
import { greetedNames, nameMatcher, type NameMatcher } from './names.ts';
import type { TicketContext } from './ticket.ts';

export { greetedNames, NAME_PLACEHOLDER, nameMatcher, type NameMatcher, personName, redactNames } from './names.ts';

/** Digits of `text`, in order. */
function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/** The Luhn (mod 10) check of payment card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// biome-ignore format: the registry reads as a table, not one country a line
/** IBAN length by country (ISO 13616 registry). A code not listed here is not an IBAN. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 mod 97-10 over an IBAN (uppercase, no spaces): valid when the remainder is 1. */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const EMAIL =
  /[A-Za-z0-9](?:[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-])?@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b/g;

/** Where an IBAN may start: two letters and two check digits, not inside a longer word. */
const IBAN_START = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}/g;

/**
 * Card numbers: 13–19 digits written together, in groups of four (the last one shorter), or as 4-6-4/4-6-5
 * (American Express, Diners). Never part of a longer run of digits or of a word.
 */
const CARD = /(?<![\w+-]|\d[ -])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{4,5})(?![\w]|[ -]\d)/g;

/** US social security numbers, ddd-dd-dddd, without the never-issued area 000, 666, 9xx, group 00, serial 0000. */
const SSN = /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w]|-\d)/g;

/**
 * Phone numbers, by shape:
 * - international: `+` and country code, then groups of digits (optionally an area code in parentheses);
 * - North American: (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd, ddd ddd dddd, optionally led by `1-`;
 * - national with a trunk `0`: 020 7946 0958, 06 12 34 56 78, 030-1234567, (0)30 1234 567;
 * - local seven digits: 555-0199, 555.0199.
 * Candidates then need 7 to 15 digits in all, and are never dates.
 */
const PHONE_SHAPES = [
  String.raw`(?<![\w+]|\d )\+\d{1,3}(?:[ .\-]?\(\d{1,4}\))?(?:[ .\-]?\d{1,5}){1,6}`,
  String.raw`(?<![\w\-.\/#(+]|\d )(?:1[ .\-])?(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}`,
  String.raw`(?<![\w\-.\/#(+]|\d )(?:0\d{1,4}|\(0\d{1,4}\)|\(0\)\d{1,4})(?:[ .\-]\d{2,8}){1,4}`,
  String.raw`(?<![\w\-.\/#(+]|\d )[2-9]\d{2}[.\-]\d{4}`,
];
const PHONE = new RegExp(`(?:${PHONE_SHAPES.join('|')})` + String.raw`(?![\w]|[.\-\/:]\d)`, 'g');

/**
 * Never phones: dates written with dots, dashes or spaces (2026-11-20, 20.11.2026, 20-11-2026), and the
 * ddd-dd-dddd shape of social security numbers (one that is not a valid SSN is still not a phone).
 */
const NOT_PHONE = /^(?:\d{4}[.\- ]\d{1,2}[.\- ]\d{1,2}|\d{1,2}[.\- ]\d{1,2}[.\- ]\d{2,4}|\d{3}-\d{2}-\d{4})$/;

function redactIbans(text: string): string {
  let out = '';
  let last = 0;
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
    const start = m.index;
    const country = m[0].slice(0, 2).toUpperCase();
    const length = IBAN_LENGTHS[country];
    if (length === undefined) continue;
    // Walk the characters after the check digits, allowing single spaces between them, until the country's length.
    let compact = m[0].toUpperCase();
    let end = start + 4;
    while (compact.length < length && end < text.length) {
      let next = end;
      if (text[next] === ' ') next++;
      const ch = text[next];
      if (ch === undefined || !/[A-Za-z0-9]/.test(ch)) break;
      compact += ch.toUpperCase();
      end = next + 1;
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? '') || !ibanValid(compact)) continue;
    out += text.slice(last, start) + '[IBAN]';
    last = end;
    IBAN_START.lastIndex = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Replaces the personal data in `text` with placeholders; see the module comment for what counts. */
export function redactPii(text: string): string {
  // Cheap exits keep redaction fast on the common reply that holds no address and no long numbers at all.
  let out = text.includes('@') ? text.replace(EMAIL, '[EMAIL]') : text;
  if (!/\d/.test(out)) return out;
  out = redactIbans(out);
  out = out.replace(CARD, (match) => (luhnValid(digitsOf(match)) ? '[CARD]' : match));
  out = out.replace(SSN, '[SSN]');
  out = out.replace(PHONE, (match) => {
    const n = digitsOf(match).length;
    if (n < 7 || n > 15 || NOT_PHONE.test(match)) return match;
    return '[PHONE]';
  });
  return out;
}

/** `text` with its personal data and these names (a matcher from nameMatcher) replaced by placeholders. */
export function redactText(text: string, names?: NameMatcher): string {
  const out = redactPii(text);
  return names ? names.redact(out) : out;
}

/** The free texts of an annotation: the reply as sent, a rationale's note, a missing-knowledge description and title. */
export function annotationTexts(a: Pick<Annotation, 'kind'> & Record<string, unknown>): string[] {
  const fields = ['sentText', 'note', 'description', 'proposedTitle'] as const;
  return fields.map((f) => a[f]).filter((v): v is string => typeof v === 'string');
}

/**
 * An annotation (or a draft of one) with its free text redacted: personal data, the `names` given (the requester's and
 * agents' that the page showed or the request carried), and any name the text itself greets or signs with. Everything
 * else (ids, labels, versions) is left as it is. The one redaction of signals, in the browser and on the server.
 */
export function redactAnnotation<T extends Pick<Annotation, 'kind'>>(annotation: T, names: Iterable<string | null | undefined> = []): T {
  const a = annotation as T & Record<string, unknown>;
  const texts = annotationTexts(a);
  if (texts.length === 0) return annotation;
  const matcher = nameMatcher([...names, ...texts.flatMap(greetedNames)]);
  const clean = (text: string) => redactText(text, matcher);
  switch (a.kind) {
    case 'adoption':
      return { ...a, sentText: clean(a.sentText as string) };
    case 'rationale':
      return a.note === undefined ? annotation : { ...a, note: clean(a.note as string) };
    case 'missing_knowledge':
      return {
        ...a,
        description: clean(a.description as string),
        ...(a.proposedTitle === undefined ? {} : { proposedTitle: clean(a.proposedTitle as string) }),
      };
    default:
      return annotation;
  }
}

/** The names a ticket shows: its requester's and its messages' authors (customers and agents alike). */
export function ticketNames(ticket: Pick<TicketContext, 'requester' | 'messages'>): string[] {
  const names = [ticket.requester?.name, ...ticket.messages.map((m) => m.author)];
  return [...new Set(names.filter((n): n is string => !!n?.trim()))];
}

/**
 * A ticket as the backend keeps it with a suggestion: message text and subject redacted (personal data, the names of
 * the requester, the message authors, `extraNames` such as the signed-in agent's, and any name a message greets or
 * signs with), the requester's contact details and message authors dropped (training needs what was said, not who
 * said it).
 */
export function redactTicket(ticket: TicketContext, extraNames: Iterable<string | null | undefined> = []): TicketContext {
  const { requester: _requester, ...rest } = ticket;
  const matcher = ticketMatcher(ticket, extraNames);
  return {
    ...rest,
    ...(ticket.subject === undefined ? {} : { subject: redactText(ticket.subject, matcher) }),
    messages: ticket.messages.map(({ author: _author, ...m }) => ({ ...m, text: redactText(m.text, matcher) })),
  };
}

/** The names to redact in texts about this ticket: those it shows, `extraNames`, and those its messages greet. */
export function ticketMatcher(
  ticket: Pick<TicketContext, 'requester' | 'messages' | 'subject'>,
  extraNames: Iterable<string | null | undefined> = [],
): NameMatcher | undefined {
  return nameMatcher([...ticketNames(ticket), ...extraNames, ...ticket.messages.flatMap((m) => greetedNames(m.text))]);
}
