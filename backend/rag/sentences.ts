/**
 * Sentence splitting for extractive replies: list items and sentences become separate, quotable units. A unit is
 * quoted as it stands in the source, except that a list bullet, a Markdown heading mark or a "Q:"/"A:" label in
 * front is dropped, and a unit that ends with `:`, `;`, `,` or nothing ends with a full stop instead.
 */
export interface SentenceUnit {
  text: string;
  /** Reading position among the units of the text. */
  position: number;
  /** Ends with a question mark (an FAQ's question, a rhetorical question): not an answer. */
  question: boolean;
  /** A title line: short, no end punctuation, not a list item, followed by more text. */
  heading: boolean;
  /** Starts in lower case: the continuation of a lead-in ("Contact us if:" → "- your parcel is late"), not self-contained. */
  fragment: boolean;
}

const BULLET = /^\s*(?:[-*•]|\d+[.)])\s+/;
const HEADING_MARK = /^\s*#{1,6}\s+/;
const LABEL = /^(?:q|a|question|answer)\s*[:.]\s+/i;
const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z0-9"“'(])/;

export function sentenceUnits(text: string): SentenceUnit[] {
  const lines = text.split(/\n+/).filter((line) => line.trim());
  const units: SentenceUnit[] = [];
  lines.forEach((raw, lineIndex) => {
    const bullet = BULLET.test(raw);
    const marked = HEADING_MARK.test(raw);
    const line = raw.replace(BULLET, '').replace(HEADING_MARK, '').trim();
    const bare = !/[.!?:;,"”)]$/.test(line);
    const heading = marked || (!bullet && bare && lineIndex < lines.length - 1 && line.split(/\s+/).length <= 8);
    for (const part of line.split(SENTENCE_END)) {
      const unlabelled = part.trim().replace(LABEL, '');
      if (unlabelled.length < 12 || !/[\p{L}]/u.test(unlabelled)) continue;
      const quoted = /[:;,]$/.test(unlabelled) ? `${unlabelled.slice(0, -1)}.` : /[.!?"”)]$/.test(unlabelled) ? unlabelled : `${unlabelled}.`;
      units.push({ text: quoted, position: units.length, question: /\?["”)]?$/.test(quoted), heading, fragment: /^\p{Ll}/u.test(quoted) });
    }
  });
  return units;
}

export function splitSentences(text: string): string[] {
  return sentenceUnits(text).map((unit) => unit.text);
}
