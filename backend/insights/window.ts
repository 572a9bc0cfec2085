/**
 * The window an insights answer covers. `?from=&to=` (InsightsQuery) are defaulted and checked, then widened to whole
 * UTC days, because the rollup counts by day: `from` down to its midnight, `to` up to the next one unless it is one.
 *
 *   insightsWindow({ from: '2026-11-02T10:00:00Z' }, now) // days 2026-11-02 … today, to = tomorrow 00:00Z
 */
import { INSIGHTS_DEFAULT_DAYS, INSIGHTS_MAX_DAYS, type InsightsQuery } from '../../shared/index.ts';

export const DAY_MS = 86_400_000;

/** Instants a window may reach: days before 1970 hold no signals, and ISO 8601 years stop at 9999. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

export interface DayWindow {
  /** The window as answered: whole UTC days, ISO 8601. */
  from: string;
  to: string;
  /** First day (inclusive) and the day after the last (exclusive), YYYY-MM-DD: how the rollup is queried. */
  firstDay: string;
  endDay: string;
}

/** A query parameter that makes no window, and why. */
export class WindowError extends Error {
  constructor(
    readonly param: 'from' | 'to',
    message: string,
  ) {
    super(message);
    this.name = 'WindowError';
  }
}

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const startOfDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const dayMs = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

/** The Monday (UTC) of the ISO week a day is in. */
export function mondayOf(day: string): string {
  const ms = dayMs(day);
  return dayOf(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
}

/** Every day of the window, in order. */
export function daysOf(window: DayWindow): string[] {
  const days: string[] = [];
  for (let ms = dayMs(window.firstDay), end = dayMs(window.endDay); ms < end; ms += DAY_MS) days.push(dayOf(ms));
  return days;
}

/** The Monday of every week the window touches, in order. */
export function weeksOf(window: DayWindow): string[] {
  return [...new Set(daysOf(window).map(mondayOf))];
}

function instant(param: 'from' | 'to', text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new WindowError(param, `${param} is not a valid instant: ${text}`);
  if (ms < EARLIEST || ms > LATEST) throw new WindowError(param, `${param} must lie between 1970-01-01 and 9999-12-31`);
  return ms;
}

/** Throws WindowError when `from` is after `to`, the window is longer than INSIGHTS_MAX_DAYS, or out of range. */
export function insightsWindow(query: InsightsQuery, now: Date): DayWindow {
  const to = query.to !== undefined ? instant('to', query.to) : startOfDay(now.getTime()) + DAY_MS;
  const from = query.from !== undefined ? instant('from', query.from) : to - INSIGHTS_DEFAULT_DAYS * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (from > to) throw new WindowError('from', `from (${iso(from)}) is after to (${iso(to)})`);
  if (to - from > INSIGHTS_MAX_DAYS * DAY_MS)
    throw new WindowError('from', `from (${iso(from)}) is more than ${INSIGHTS_MAX_DAYS} days before to (${iso(to)}); ask for a shorter window`);
  if (from < EARLIEST)
    throw new WindowError('from', `from defaults to ${INSIGHTS_DEFAULT_DAYS} days before to, which is before 1970-01-01; give from`);
  const first = startOfDay(from);
  const end = startOfDay(to) === to ? to : startOfDay(to) + DAY_MS;
  return { from: new Date(first).toISOString(), to: new Date(end).toISOString(), firstDay: dayOf(first), endDay: dayOf(end) };
}
