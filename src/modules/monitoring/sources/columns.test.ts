import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnsFromForm, guessColumns } from './columns.ts';

describe('guessing the columns of a CSV log', () => {
  test('the usual names of each field, any capitals, spaces or underscores', () => {
    assert.deepEqual(guessColumns(['Timestamp', 'UPN', 'URL', 'Category', 'Action', 'Client IP', 'Device Name', 'Search Term', 'Risk']), {
      occurredAt: 'Timestamp',
      username: 'UPN',
      url: 'URL',
      category: 'Category',
      action: 'Action',
      ip: 'Client IP',
      device: 'Device Name',
      detail: 'Search Term',
      severity: 'Risk',
    });
    assert.deepEqual(guessColumns(['date', 'email', 'site', 'result']), { occurredAt: 'date', username: 'email', url: 'site', action: 'result' });
    assert.deepEqual(guessColumns(['event_time', 'user_name', 'request_url']), { occurredAt: 'event_time', username: 'user_name', url: 'request_url' });
  });

  test('an exact name wins over a word inside another heading, and a column goes to one field only', () => {
    // "User" is the username, not "User agent"; "Time" is the time, not "Response time".
    assert.deepEqual(guessColumns(['User agent', 'Response time', 'Time', 'User']), { occurredAt: 'Time', username: 'User' });
    // With no exact name, a heading holding the word is taken.
    assert.deepEqual(guessColumns(['Log time', 'Login user']), { occurredAt: 'Log time', username: 'Login user' });
    // "Date" and "Time" both: the time field takes one, the other is left.
    assert.deepEqual(guessColumns(['Date', 'Time']), { occurredAt: 'Time' });
  });

  test('nothing recognisable guesses nothing', () => {
    assert.deepEqual(guessColumns(['a', 'b', 'c']), {});
    assert.deepEqual(guessColumns([]), {});
  });

  test('the form’s choices, leaving out the fields left as “not in the file” and anything that is not a field', () => {
    assert.deepEqual(columnsFromForm({ occurredAt: 'Time', username: 'User', url: '', category: '  ', _csrf: 'x', evil: 'Time', action: ['a', 'b'] }), {
      occurredAt: 'Time',
      username: 'User',
    });
  });
});
