import { describe, expect, test } from '@jest/globals';
import { cpuMillis, mebibytes, parseQuantity } from './quantity.js';

describe('quantities', () => {
  test.each([
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['2Gi', 2 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1k', 1000],
    ['1e3', 1000],
    ['3.1G', 3.1e9],
    ['.5', 0.5],
  ])('%s', (q, want) => {
    expect(parseQuantity(q)).toBeCloseTo(want);
  });
  test.each(['', 'abc', '1.2.3', '1Qi', '--1', '1 Gi', 'Infinity', 'x'.repeat(100)])(
    '%p is not a quantity',
    (q) => {
      expect(parseQuantity(q)).toBeUndefined();
    },
  );
  test('cpu in millicores rounds up; memory in MiB', () => {
    expect(cpuMillis('0.9')).toBe(900);
    expect(cpuMillis('1m')).toBe(1);
    expect(cpuMillis('0.0001')).toBe(1);
    expect(cpuMillis('3.5')).toBe(3500);
    expect(mebibytes('28Gi')).toBe(28 * 1024);
    expect(mebibytes('1Mi')).toBe(1);
  });
});
