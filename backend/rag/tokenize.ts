/**
 * Turns text into index terms: accents folded, lower case, English stop words dropped, a light suffix stemmer so
 * "refunds", "refunded" and "refunding" meet "refund". Language-neutral beyond that on purpose: the corpus is
 * whatever the customer imports.
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also please hi hello thanks thank dear regards would like could get ' +
    'im ive id dont cant wont didnt doesnt isnt its thats theres'
  ).split(' '),
);

const MAX_STOP_WORD = Math.max(...[...STOP_WORDS].map((w) => w.length));

export function stem(word: string): string {
  if (word.length <= 3) return word;
  // Only words ending in s, g (-ing), d (-ed), y (-ly) or e can change.
  const last = word.charCodeAt(word.length - 1);
  if (last !== 115 && last !== 103 && last !== 100 && last !== 121 && last !== 101) return word;
  if (hasDigit(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) w = undouble(w.slice(0, -2));
  else if (w.length > 4 && w.endsWith('ly')) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function hasDigit(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function undouble(w: string): string {
  return /([bdfgmnprt])\1$/.test(w) ? w.slice(0, -1) : w;
}

const ASCII = /^[\x00-\x7f]*$/;

/** Index terms of a text, in order, duplicates kept (term frequency matters). */
export function tokenize(text: string): string[] {
  const words = ASCII.test(text)
    ? (text.includes("'") ? text.toLowerCase().replace(/'/g, '') : text.toLowerCase()).match(/[a-z0-9]+/g)
    : text
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/['’]/g, '')
        .match(/[\p{L}\p{N}]+/gu);
  if (!words) return [];
  const terms: string[] = [];
  for (const word of words) {
    if ((word.length < 2 && !hasDigit(word)) || (word.length <= MAX_STOP_WORD && STOP_WORDS.has(word))) continue;
    terms.push(stem(word));
  }
  return terms;
}
