/** Human wording for the popup: durations and times, as plain text. */

/** "just now", "40 s", "3 min", "2 h", "5 d". */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "3 min ago", or "never". */
export function ago(at: number | null, now: number): string {
  if (at === null) return 'never';
  const d = humanDuration(now - at);
  return d === 'just now' ? d : `${d} ago`;
}

/** "in 40 s", or "now" when due. */
export function until(at: number, now: number): string {
  const d = humanDuration(at - now);
  return d === 'just now' ? 'now' : `in ${d}`;
}

export function localTime(at: number | string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : date.toLocaleString();
}
