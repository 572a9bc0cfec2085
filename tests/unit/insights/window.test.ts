import { describe, expect, it } from 'vitest';
import { daysOf, insightsWindow, mondayOf, weeksOf, WindowError } from '../../../backend/insights/window.ts';
import { utcDay } from '../../../backend/store/insight-counts.ts';

const NOW = new Date('2026-11-10T15:30:00.000Z');

describe('insights window', () => {
  it('defaults to the 90 UTC days up to and including today', () => {
    const w = insightsWindow({}, NOW);
    expect(w).toEqual({ from: '2026-08-13T00:00:00.000Z', to: '2026-11-11T00:00:00.000Z', firstDay: '2026-08-13', endDay: '2026-11-11' });
    expect(daysOf(w)).toHaveLength(90);
    expect(daysOf(w).at(-1)).toBe('2026-11-10');
  });

  it('widens to whole days: from down to its midnight, to up to the next unless it is one', () => {
    expect(insightsWindow({ from: '2026-11-02T15:00:00Z', to: '2026-11-04T00:00:01Z' }, NOW)).toMatchObject({
      firstDay: '2026-11-02',
      endDay: '2026-11-05',
    });
    expect(insightsWindow({ from: '2026-11-02T00:00:00Z', to: '2026-11-04T00:00:00Z' }, NOW)).toMatchObject({
      firstDay: '2026-11-02',
      endDay: '2026-11-04',
    });
    // An offset is an instant like any other: 01:00+02:00 is 23:00 the day before in UTC.
    expect(insightsWindow({ from: '2026-11-02T01:00:00+02:00', to: '2026-11-03T00:00:00Z' }, NOW)).toMatchObject({
      firstDay: '2026-11-01',
      endDay: '2026-11-03',
    });
    const empty = insightsWindow({ from: '2026-11-02T00:00:00Z', to: '2026-11-02T00:00:00Z' }, NOW);
    expect(daysOf(empty)).toEqual([]);
  });

  it('takes one end and defaults the other', () => {
    expect(insightsWindow({ from: '2026-11-01T00:00:00Z' }, NOW)).toMatchObject({ firstDay: '2026-11-01', endDay: '2026-11-11' });
    expect(insightsWindow({ to: '2026-03-01T00:00:00Z' }, NOW)).toMatchObject({ firstDay: '2025-12-01', endDay: '2026-03-01' });
  });

  it('refuses from after to, more than 400 days, and instants out of range, naming the parameter', () => {
    const fails = (query: { from?: string; to?: string }) => {
      try {
        insightsWindow(query, NOW);
      } catch (error) {
        if (error instanceof WindowError) return error.param;
        throw error;
      }
      return undefined;
    };
    expect(fails({ from: '2026-11-05T00:00:00Z', to: '2026-11-04T00:00:00Z' })).toBe('from');
    expect(fails({ from: '2026-11-12T00:00:00Z' })).toBe('from');
    expect(fails({ from: '2025-10-05T00:00:00Z', to: '2026-11-10T00:00:00Z' })).toBe('from');
    expect(fails({ from: '2025-10-06T00:00:00Z', to: '2026-11-10T00:00:00Z' })).toBeUndefined();
    expect(fails({ to: '9999-12-31T23:00:00Z' })).toBe('to');
    expect(fails({ from: '1969-12-31T00:00:00Z' })).toBe('from');
    expect(fails({ to: '1970-01-05T00:00:00Z' })).toBe('from');
  });
});

describe('day and week bucketing', () => {
  it('puts an instant on its UTC day, whatever offset it was written with', () => {
    expect(utcDay('2026-11-02T23:59:59.999Z')).toBe('2026-11-02');
    expect(utcDay('2026-11-03T00:30:00+01:00')).toBe('2026-11-02');
    expect(utcDay('2026-11-02T20:00:00-05:00')).toBe('2026-11-03');
  });

  it('names a week by its Monday (ISO 8601), across month and year ends', () => {
    expect(mondayOf('2026-11-02')).toBe('2026-11-02'); // a Monday
    expect(mondayOf('2026-11-08')).toBe('2026-11-02'); // the Sunday after
    expect(mondayOf('2026-11-01')).toBe('2026-10-26'); // a Sunday
    expect(mondayOf('2027-01-01')).toBe('2026-12-28'); // Friday; its week began the year before
    expect(mondayOf('2024-03-03')).toBe('2024-02-26'); // across a leap day
  });

  it("lists every week a window touches, the edges' partial weeks included", () => {
    const w = insightsWindow({ from: '2026-11-01T00:00:00Z', to: '2026-11-15T00:00:00Z' }, NOW);
    expect(weeksOf(w)).toEqual(['2026-10-26', '2026-11-02', '2026-11-09']);
  });
});
