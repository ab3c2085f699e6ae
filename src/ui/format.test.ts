import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countdown, formatDate, formatDateTime, londonToday } from './format.ts';

describe('dates and clocks as people read them', () => {
  test('dates are en-GB in Europe/London, across the clock change', () => {
    assert.equal(formatDate('2026-03-03'), '3 March 2026');
    assert.equal(formatDateTime(new Date('2026-07-01T13:05:00Z')), '1 July 2026 at 14:05', 'British Summer Time');
    assert.equal(formatDateTime(new Date('2026-12-01T13:05:00Z')), '1 December 2026 at 13:05');
    assert.equal(londonToday(new Date('2026-06-30T23:30:00Z')), '2026-07-01', 'after midnight in London is the next day');
    assert.equal(formatDate(null), '');
  });

  test('countdowns say how long is left, or how late it is', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    assert.equal(countdown(new Date('2026-11-24T07:00:00Z'), now), 'due in 19 hours');
    assert.equal(countdown(new Date('2026-11-20T12:00:00Z'), now), '3 days overdue');
    assert.equal(countdown(new Date('2026-11-23T12:30:00Z'), now), 'due in 30 minutes');
    assert.equal(countdown(new Date('2026-11-23T12:00:20Z'), now), 'due now');
    assert.equal(countdown(new Date('2026-11-22T11:00:00Z'), now), '25 hours overdue');
  });
});
