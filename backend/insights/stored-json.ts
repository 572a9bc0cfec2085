/** JSON the store keeps as text (run summaries, version metrics), read without throwing: unreadable is undefined. */
export function readStoredJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
