import { describe, expect, it } from 'vitest';
import { readNumbers } from './whereabouts.ts';

/** Reads a text as the recall reads the statement's unit lists: numbers per comma-separated part. */
function parts(text: string, separator = ','): number[][] {
  const out: number[][] = [[]];
  const count = readNumbers(text, separator.charCodeAt(0), 'test', (n) => out[out.length - 1]!.push(n), () => out.push([]));
  expect(count).toBe(out.length);
  return out;
}

describe('readNumbers (the recall statement texts, read in place)', () => {
  it('reads the unit lists of a class, event by event', () => {
    expect(parts('1 5 7,3,90 10')).toEqual([[1, 5, 7], [3], [90, 10]]);
    expect(parts('42')).toEqual([[42]]);
  });

  it('reads space-separated times, before 1970 too', () => {
    const times: number[] = [];
    expect(readNumbers('1780000000123 -86400000 0', 32, 'times', (n) => times.push(n))).toBe(3);
    expect(times).toEqual([1780000000123, -86400000, 0]);
  });

  it('refuses anything else, naming where', () => {
    expect(() => parts('1 2,x')).toThrow(/test: unexpected character "x" at 4/);
    expect(() => parts('1 - 2')).toThrow(/test: a minus sign without digits at 3/);
    expect(() => parts('1-2')).toThrow(/test: unexpected character "-" at 1/);
    expect(() => parts('--2')).toThrow(/test: a minus sign without digits at 1/);
  });
});
