/** Sentence splitting for extractive replies: list items and sentences become separate, quotable units. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, '').trim())
    .flatMap((line) => line.split(/(?<=[.!?])\s+(?=[A-Z0-9"“'(])/))
    .map((s) => s.trim())
    .filter((s) => s.length >= 12 && /[\p{L}]/u.test(s))
    .map((s) => (/[:;,]$/.test(s) ? `${s.slice(0, -1)}.` : /[.!?"”)]$/.test(s) ? s : `${s}.`));
}
