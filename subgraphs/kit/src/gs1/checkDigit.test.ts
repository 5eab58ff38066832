import { describe, it, expect } from 'vitest';
import { assertGln, assertGtin, assertSscc, computeCheckDigit, hasValidCheckDigit } from './checkDigit.ts';
import { expectGs1Error } from './testSupport.ts';

// Every expected check digit below was recomputed with the GS1 mod-10
// algorithm (GS1 General Specifications §7.9.1), not taken from memory.
const VALID_KEYS = [
  // GS1 example GTIN used throughout the GS1 Digital Link standard.
  { name: 'GTIN-14 09506000134352 (GS1 Digital Link examples)', full: '09506000134352', check: 2 },
  // GS1 EPC Tag Data Standard SGTIN example urn:epc:id:sgtin:0614141.812345.6789.
  { name: 'GTIN-14 80614141123458 (EPC TDS SGTIN example)', full: '80614141123458', check: 8 },
  // GS1 EPC Tag Data Standard SSCC example urn:epc:id:sscc:0614141.1234567890.
  { name: 'SSCC 106141412345678908 (EPC TDS SSCC example)', full: '106141412345678908', check: 8 },
  // GS1 EPC Tag Data Standard SGLN example urn:epc:id:sgln:0614141.12345.400.
  { name: 'GLN 0614141123452 (EPC TDS SGLN example)', full: '0614141123452', check: 2 },
  // Widely published EAN-13 / UPC-A / EAN-8 examples.
  { name: 'GTIN-13 4006381333931', full: '4006381333931', check: 1 },
  { name: 'GTIN-12 036000291452', full: '036000291452', check: 2 },
  { name: 'GTIN-8 73513537', full: '73513537', check: 7 },
  { name: 'GTIN-14 10614141123459 (indicator 1, company prefix 0614141)', full: '10614141123459', check: 9 },
];

describe('computeCheckDigit', () => {
  it.each(VALID_KEYS)('$name', ({ full, check }) => {
    expect(computeCheckDigit(full.slice(0, -1))).toBe(check);
  });

  it('returns 0 when the weighted sum is already a multiple of ten', () => {
    // 3*0 ... all zeros -> sum 0 -> check digit 0
    expect(computeCheckDigit('0000000000000')).toBe(0);
    // "5": 5*3 = 15 -> 5; "55": 5*3 + 5 = 20 -> 0
    expect(computeCheckDigit('55')).toBe(0);
  });

  it.each([
    { input: '', reason: 'empty', mentions: ['empty'] },
    { input: '12A4', reason: 'non-digit', mentions: ['"12A4"', '"A" at position 3'] },
  ])('rejects $input', ({ input, reason, mentions }) => {
    expectGs1Error(() => computeCheckDigit(input), { part: 'check digit input', reason, mentions });
  });
});

describe('hasValidCheckDigit', () => {
  it.each(VALID_KEYS)('accepts $name', ({ full }) => {
    expect(hasValidCheckDigit(full)).toBe(true);
  });

  it.each([
    { name: 'wrong last digit', input: '09506000134353' },
    { name: 'transposed digits', input: '09506000143352' },
    { name: 'non-digit', input: '0950600013435X' },
    { name: 'empty', input: '' },
    { name: 'single digit', input: '0' },
    { name: 'whitespace', input: ' 09506000134352' },
  ])('rejects $name', ({ input }) => {
    expect(hasValidCheckDigit(input)).toBe(false);
  });
});

describe('assertGtin', () => {
  it.each([
    { input: '09506000134352', gtin14: '09506000134352' },
    { input: '9506000134352', gtin14: '09506000134352' },
    { input: '036000291452', gtin14: '00036000291452' },
    { input: '73513537', gtin14: '00000073513537' },
    { input: '80614141123458', gtin14: '80614141123458' },
  ])('accepts $input as $gtin14', ({ input, gtin14 }) => {
    expect(assertGtin(input)).toBe(gtin14);
  });

  it.each([
    {
      input: '09506000134353',
      reason: 'check-digit',
      mentions: ['"09506000134353"', 'has check digit 3; expected 2'],
    },
    { input: '0950600013435', reason: 'check-digit', mentions: ['"0950600013435"', 'check digit 5'] },
    { input: '1234567890', reason: 'length', mentions: ['"1234567890"', '10 digits', '8, 12, 13 or 14 digits'] },
    { input: '095060001343521', reason: 'length', mentions: ['15 digits'] },
    { input: '0950600013435X', reason: 'non-digit', mentions: ['"X" at position 14'] },
    { input: '', reason: 'empty', mentions: ['empty'] },
  ])('rejects $input ($reason)', ({ input, reason, mentions }) => {
    expectGs1Error(() => assertGtin(input), { part: 'AI (01) GTIN', reason, mentions });
  });

  it('names the caller-supplied part', () => {
    expectGs1Error(() => assertGtin('123', 'product GTIN'), { part: 'product GTIN', reason: 'length' });
  });
});

describe('assertGln / assertSscc', () => {
  it.each([
    { name: 'GLN ok', fn: () => assertGln('0614141123452'), result: '0614141123452' },
    { name: 'SSCC ok', fn: () => assertSscc('106141412345678908'), result: '106141412345678908' },
  ])('$name', ({ fn, result }) => {
    expect(fn()).toBe(result);
  });

  it.each([
    { name: 'GLN check digit', fn: () => assertGln('0614141123453'), part: 'GLN', reason: 'check-digit', mentions: ['"0614141123453"', 'expected 2'] },
    { name: 'GLN too short', fn: () => assertGln('061414112345'), part: 'GLN', reason: 'length', mentions: ['12 digits', '13 digits'] },
    { name: 'GLN with letter', fn: () => assertGln('06141411234S2', 'AI (414) location GLN'), part: 'AI (414) location GLN', reason: 'non-digit', mentions: ['"S" at position 12'] },
    { name: 'SSCC check digit', fn: () => assertSscc('106141412345678907'), part: 'AI (00) SSCC', reason: 'check-digit', mentions: ['check digit 7; expected 8'] },
    { name: 'SSCC 17 digits', fn: () => assertSscc('10614141234567890'), part: 'AI (00) SSCC', reason: 'length', mentions: ['17 digits', '18 digits'] },
  ])('rejects $name', ({ fn, part, reason, mentions }) => {
    expectGs1Error(fn, { part, reason, mentions });
  });
});
