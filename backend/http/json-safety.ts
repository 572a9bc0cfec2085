/**
 * What JSON.parse accepts but the store cannot keep or the server cannot walk: a NUL character in a string or key
 * (PostgreSQL refuses it in text and jsonb: "invalid byte sequence for encoding UTF8: 0x00") and nesting deeper than
 * any contract needs (recursive code such as canonical JSON would overflow the stack on 9,000 levels). Found by an
 * iterative walk, so the check itself cannot overflow.
 */

/** Deeper than any request or annotation this API defines (an annotation is four levels deep). */
export const MAX_JSON_DEPTH = 32;

export interface JsonProblem {
  /** Where, as `items.3.sentText` (a key holding the problem is named as the path to it). */
  path: string;
  message: string;
}

export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, base = ''): JsonProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: base, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return { path: path || '(body)', message: 'contains a NUL character (\\u0000)' };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return { path: path || '(body)', message: `nested deeper than ${maxDepth} levels` };
    const entries = Array.isArray(current) ? current.map((v, i) => [String(i), v] as const) : Object.entries(current);
    for (const [key, member] of entries) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { path: at, message: 'names a field with a NUL character (\\u0000)' };
      stack.push({ value: member, path: at, depth: depth + 1 });
    }
  }
  return undefined;
}
