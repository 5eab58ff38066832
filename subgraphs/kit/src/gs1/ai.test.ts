import { describe, it, expect } from 'vitest';
import {
  AI_TABLE,
  PREDEFINED_LENGTH_AI_PREFIXES,
  aiYear,
  assertCset82,
  formatAiDate,
  getAi,
  isCset82,
  isPredefinedLengthAi,
  parseAiDate,
  validateAiValue,
} from './ai.ts';
import { expectGs1Error } from './testSupport.ts';

describe('AI table', () => {
  it.each([
    { code: '00', charset: 'numeric', min: 18, max: 18, predefined: true, check: true },
    { code: '01', charset: 'numeric', min: 14, max: 14, predefined: true, check: true },
    { code: '02', charset: 'numeric', min: 14, max: 14, predefined: true, check: true },
    { code: '10', charset: 'cset82', min: 1, max: 20, predefined: false, check: false },
    { code: '11', charset: 'numeric', min: 6, max: 6, predefined: true, check: false },
    { code: '13', charset: 'numeric', min: 6, max: 6, predefined: true, check: false },
    { code: '15', charset: 'numeric', min: 6, max: 6, predefined: true, check: false },
    { code: '17', charset: 'numeric', min: 6, max: 6, predefined: true, check: false },
    { code: '21', charset: 'cset82', min: 1, max: 20, predefined: false, check: false },
    { code: '22', charset: 'cset82', min: 1, max: 20, predefined: false, check: false },
    { code: '240', charset: 'cset82', min: 1, max: 30, predefined: false, check: false },
    { code: '241', charset: 'cset82', min: 1, max: 30, predefined: false, check: false },
    { code: '250', charset: 'cset82', min: 1, max: 30, predefined: false, check: false },
    { code: '254', charset: 'cset82', min: 1, max: 20, predefined: false, check: false },
    { code: '30', charset: 'numeric', min: 1, max: 8, predefined: false, check: false },
    { code: '37', charset: 'numeric', min: 1, max: 8, predefined: false, check: false },
    { code: '400', charset: 'cset82', min: 1, max: 30, predefined: false, check: false },
    { code: '410', charset: 'numeric', min: 13, max: 13, predefined: true, check: true },
    { code: '414', charset: 'numeric', min: 13, max: 13, predefined: true, check: true },
    { code: '417', charset: 'numeric', min: 13, max: 13, predefined: true, check: true },
    // 7003 is fixed length but does not start with a predefined-length prefix: it needs FNC1.
    { code: '7003', charset: 'numeric', min: 10, max: 10, predefined: false, check: false },
  ])('AI $code: $charset $min..$max', ({ code, charset, min, max, predefined, check }) => {
    const def = getAi(code);
    expect(def).toBeDefined();
    expect(def?.charset).toBe(charset);
    expect(def?.minLength).toBe(min);
    expect(def?.maxLength).toBe(max);
    expect(def?.fixedLength).toBe(min === max);
    expect(def?.predefinedLength).toBe(predefined);
    expect(def?.checkDigit).toBe(check);
  });

  it.each(['99', '03', '7', '0100', 'ab', ''])('has no AI %j', (code) => {
    expect(getAi(code)).toBeUndefined();
  });

  it('is prefix-free, so a raw element string has one reading', () => {
    for (const a of AI_TABLE) {
      for (const b of AI_TABLE) {
        if (a !== b) expect(b.code.startsWith(a.code), `${a.code} is a prefix of ${b.code}`).toBe(false);
      }
    }
  });

  it('gives every predefined-length AI a fixed length', () => {
    for (const def of AI_TABLE.filter((d) => d.predefinedLength)) expect(def.fixedLength).toBe(true);
  });

  it('lists the predefined-length prefixes of GS1 General Specifications Figure 7.8.5-2', () => {
    expect([...PREDEFINED_LENGTH_AI_PREFIXES]).toEqual([
      '00', '01', '02', '03', '04', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '23',
      '31', '32', '33', '34', '35', '36', '41',
    ]);
    expect(isPredefinedLengthAi('3103')).toBe(true);
    expect(isPredefinedLengthAi('21')).toBe(false);
    expect(isPredefinedLengthAi('417')).toBe(true);
  });
});

describe('parseAiDate', () => {
  const mid2026 = new Date(Date.UTC(2026, 5, 15));
  it.each([
    { name: 'plain date', input: '270331', today: mid2026, iso: '2027-03-31' },
    { name: 'day 00 = last day of month (31)', input: '270300', today: mid2026, iso: '2027-03-31' },
    { name: 'day 00 = last day of month (30)', input: '270400', today: mid2026, iso: '2027-04-30' },
    { name: 'day 00 in February of a leap year', input: '280200', today: mid2026, iso: '2028-02-29' },
    { name: 'day 00 in February of a common year', input: '270200', today: mid2026, iso: '2027-02-28' },
    { name: '29 February in a leap year', input: '280229', today: mid2026, iso: '2028-02-29' },
    { name: 'end of year', input: '261231', today: mid2026, iso: '2026-12-31' },
    // Century window, GS1 General Specifications §7.12: YY - current YY >= 51 -> previous century,
    // <= -50 -> next century, otherwise current century.
    { name: 'window: +50 years stays in this century', input: '750101', today: new Date(Date.UTC(2025, 5, 1)), iso: '2075-01-01' },
    { name: 'window: +51 years goes to the previous century', input: '760101', today: new Date(Date.UTC(2025, 5, 1)), iso: '1976-01-01' },
    { name: 'window: 99 seen from 2026 is 1999', input: '991231', today: mid2026, iso: '1999-12-31' },
    { name: 'window: -50 years goes to the next century', input: '100101', today: new Date(Date.UTC(2060, 0, 1)), iso: '2110-01-01' },
    { name: 'window: -49 years stays in this century', input: '110101', today: new Date(Date.UTC(2060, 0, 1)), iso: '2011-01-01' },
    { name: 'window: 00 seen from 2099 is 2100', input: '000101', today: new Date(Date.UTC(2099, 0, 1)), iso: '2100-01-01' },
  ])('$name: $input -> $iso', ({ input, today, iso }) => {
    expect(parseAiDate(input, 'expiry date (AI 17)', today)).toBe(iso);
  });

  it('uses the current year by default', () => {
    const yy = String(new Date().getUTCFullYear() % 100).padStart(2, '0');
    expect(parseAiDate(`${yy}0115`, 'x')).toBe(`${new Date().getUTCFullYear()}-01-15`);
  });

  it.each([
    { input: '271301', reason: 'date', mentions: ['"271301"', 'month 13', '01 to 12'] },
    { input: '270001', reason: 'date', mentions: ['month 00'] },
    { input: '270431', reason: 'date', mentions: ['"270431"', 'day 31', '30 days'] },
    { input: '270229', reason: 'date', mentions: ['day 29', '2027-02 has 28 days'] },
    { input: '27033', reason: 'length', mentions: ['"27033"', '5 digits', 'YYMMDD'] },
    { input: '2703AA', reason: 'non-digit', mentions: ['"A" at position 5'] },
    { input: '', reason: 'empty', mentions: ['empty'] },
  ])('rejects $input ($reason)', ({ input, reason, mentions }) => {
    expectGs1Error(() => parseAiDate(input, 'expiry date (AI 17)', mid2026), { part: 'expiry date (AI 17)', reason, mentions });
  });

  it('exposes the century rule as aiYear', () => {
    expect(aiYear(76, new Date(Date.UTC(2025, 0, 1)))).toBe(1976);
    expect(aiYear(75, new Date(Date.UTC(2025, 0, 1)))).toBe(2075);
  });
});

describe('formatAiDate', () => {
  it.each([
    { iso: '2027-03-31', yymmdd: '270331' },
    { iso: '2000-01-01', yymmdd: '000101' },
    { iso: '2028-02-29', yymmdd: '280229' },
  ])('$iso -> $yymmdd', ({ iso, yymmdd }) => {
    expect(formatAiDate(iso)).toBe(yymmdd);
    expect(parseAiDate(yymmdd, 'x', new Date(Date.UTC(2026, 0, 1)))).toBe(iso);
  });

  it.each([
    { iso: '27-03-31', reason: 'syntax' },
    { iso: '2027-03-31T00:00:00Z', reason: 'syntax' },
    { iso: '2027-02-30', reason: 'date' },
    { iso: '2027-13-01', reason: 'date' },
    { iso: '2027-04-00', reason: 'date' },
  ])('rejects $iso', ({ iso, reason }) => {
    expectGs1Error(() => formatAiDate(iso), { part: 'ISO date', reason, mentions: [JSON.stringify(iso)] });
  });
});

describe('CSET 82', () => {
  const all82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

  it('has exactly 82 characters (GS1 General Specifications Figure 7.11-1)', () => {
    expect(new Set(all82).size).toBe(82);
    expect(isCset82(all82)).toBe(true);
    expect(() => assertCset82(all82, 'serial (AI 21)')).not.toThrow();
  });

  it.each([
    { value: 'AB#1', char: '"#"', position: 3 },
    { value: 'A B', char: '" "', position: 2 },
    { value: 'ÄB', char: '"Ä"', position: 1 },
    { value: 'A\u001dB', char: '"\\u001d"', position: 2 },
    { value: 'ok@', char: '"@"', position: 3 },
    { value: 'x[y', char: '"["', position: 2 },
    { value: 'tab\t', char: '"\\t"', position: 4 },
  ])('rejects $value at position $position', ({ value, char, position }) => {
    expect(isCset82(value)).toBe(false);
    expectGs1Error(() => assertCset82(value, 'serial (AI 21)'), {
      part: 'serial (AI 21)',
      reason: 'charset',
      mentions: [JSON.stringify(value), `${char} at position ${position}`, 'character set 82'],
    });
  });
});

describe('validateAiValue', () => {
  it.each([
    { ai: '10', value: 'ABC-123/x' },
    { ai: '10', value: 'X'.repeat(20) },
    { ai: '21', value: '!"%&\'()*+,-./:;<=>?_' },
    { ai: '30', value: '12345678' },
    { ai: '37', value: '1' },
    { ai: '240', value: 'A'.repeat(30) },
    { ai: '17', value: '270300' },
    { ai: '7003', value: '2703311259' },
    { ai: '414', value: '0614141123452' },
    { ai: '00', value: '106141412345678908' },
  ])('accepts AI $ai $value', ({ ai, value }) => {
    expect(validateAiValue(ai, value)).toBe(value);
  });

  it.each([
    { ai: '10', value: 'X'.repeat(21), part: 'lot (AI 10)', reason: 'length', mentions: ['21 characters', '1 to 20'] },
    { ai: '21', value: '', part: 'serial (AI 21)', reason: 'empty', mentions: ['empty'] },
    { ai: '21', value: 'AB#1', part: 'serial (AI 21)', reason: 'charset', mentions: ['"#" at position 3'] },
    { ai: '30', value: '123456789', part: 'variable count (AI 30)', reason: 'length', mentions: ['9 digits', '1 to 8 digits'] },
    { ai: '30', value: '12A', part: 'variable count (AI 30)', reason: 'non-digit', mentions: ['"A" at position 3'] },
    { ai: '17', value: '271301', part: 'expiry date (AI 17)', reason: 'date', mentions: ['month 13'] },
    { ai: '11', value: '2703311', part: 'production date (AI 11)', reason: 'length', mentions: ['7 digits'] },
    { ai: '7003', value: '2703312460', part: 'expiry date and time (AI 7003)', reason: 'date', mentions: ['24:60'] },
    { ai: '7003', value: '2703001200', part: 'expiry date and time (AI 7003)', reason: 'date', mentions: ['day 00'] },
    { ai: '414', value: '0614141123453', part: 'AI (414) location GLN', reason: 'check-digit', mentions: ['check digit 3; expected 2'] },
    { ai: '00', value: '106141412345678907', part: 'AI (00) SSCC', reason: 'check-digit', mentions: ['expected 8'] },
    { ai: '99', value: 'x', part: 'AI (99)', reason: 'unknown-ai', mentions: ['"99"'] },
  ])('rejects AI $ai $value ($reason)', ({ ai, value, part, reason, mentions }) => {
    expectGs1Error(() => validateAiValue(ai, value), { part, reason, mentions });
  });
});
