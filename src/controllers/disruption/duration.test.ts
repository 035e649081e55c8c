import { expect, test } from '@jest/globals';
import { drainTimeoutMs, parseDuration } from './duration.js';

test.each([
  ['90s', 90_000],
  ['15m', 900_000],
  ['1h30m', 5_400_000],
  ['500ms', 500],
  ['1m30s500ms', 90_500],
])('%s is %d ms', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test.each(['', '15', '1d', '1.5h', ' 1m', '-1m'])('%p is refused', (text) => {
  expect(() => parseDuration(text)).toThrow(RangeError);
});

test('the default drain timeout is 15 minutes', () => {
  expect(drainTimeoutMs(undefined)).toBe(900_000);
  expect(drainTimeoutMs('2m')).toBe(120_000);
});
