import { describe, it, expect } from 'vitest';
import { formatElementString, parseElementString } from './elementString.ts';
import type { AiValue } from './elementString.ts';
import { GS, expectGs1Error } from './testSupport.ts';

// 09506000134352 is the example GTIN of the GS1 Digital Link standard;
// 106141412345678908 / 0614141123452 are the GS1 EPC Tag Data Standard SSCC / GLN examples.
const GTIN = '09506000134352';

const G: AiValue = { ai: '01', value: GTIN };
const SER: AiValue = { ai: '21', value: 'ABC123' };
const LOT: AiValue = { ai: '10', value: 'LOT1' };
const EXP: AiValue = { ai: '17', value: '270331' };
const UNIT: AiValue[] = [G, SER, LOT, EXP];

describe('parseElementString: bracketed form', () => {
  it.each([
    { name: 'GTIN + serial + lot + expiry', input: `(01)${GTIN}(21)ABC123(10)LOT1(17)270331`, expected: UNIT },
    { name: 'surrounding whitespace', input: `  (01)${GTIN}(21)ABC123(10)LOT1(17)270331\r\n`, expected: UNIT },
    { name: 'SSCC', input: '(00)106141412345678908', expected: [{ ai: '00', value: '106141412345678908' }] },
    {
      name: 'SSCC + content + count',
      input: `(00)106141412345678908(02)${GTIN}(37)24`,
      expected: [
        { ai: '00', value: '106141412345678908' },
        { ai: '02', value: GTIN },
        { ai: '37', value: '24' },
      ],
    },
    {
      name: 'GLN + extension',
      input: '(414)0614141123452(254)400',
      expected: [
        { ai: '414', value: '0614141123452' },
        { ai: '254', value: '400' },
      ],
    },
    {
      name: 'serial with CSET 82 punctuation and a bare "("',
      input: `(01)${GTIN}(21)A/1%(x)`,
      expected: [
        { ai: '01', value: GTIN },
        { ai: '21', value: 'A/1%(x)' },
      ],
    },
    {
      name: 'escaped "(" that looks like an AI',
      input: `(01)${GTIN}(21)X\\(10)Y(10)L`,
      expected: [
        { ai: '01', value: GTIN },
        { ai: '21', value: 'X(10)Y' },
        { ai: '10', value: 'L' },
      ],
    },
    {
      name: 'exact repeat of an AI is merged',
      input: `(01)${GTIN}(21)S1(01)${GTIN}`,
      expected: [
        { ai: '01', value: GTIN },
        { ai: '21', value: 'S1' },
      ],
    },
    {
      name: 'day-00 expiry and NHRN',
      input: `(01)${GTIN}(17)270300(710)PZN123`,
      expected: [
        { ai: '01', value: GTIN },
        { ai: '17', value: '270300' },
        { ai: '710', value: 'PZN123' },
      ],
    },
  ])('$name', ({ input, expected }) => {
    expect(parseElementString(input)).toEqual(expected);
  });
});

describe('parseElementString: raw scanner data', () => {
  it.each([
    {
      name: ']d2 GS1 DataMatrix with GS separators',
      input: `]d201${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
      expected: UNIT,
    },
    {
      name: ']Q3 GS1 QR Code with a leading GS',
      input: `]Q3${GS}01${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
      expected: UNIT,
    },
    {
      name: 'no symbology identifier, leading GS',
      input: `${GS}01${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
      expected: UNIT,
    },
    {
      name: 'predefined-length fields need no separator (EU FMD order 01 17 10 21)',
      input: `01${GTIN}1727033110LOT1${GS}21ABC123`,
      expected: [G, EXP, LOT, SER],
    },
    {
      name: ']C1 GS1-128 with an unnecessary GS after a fixed field',
      input: `]C101${GTIN}${GS}21ABC123`,
      expected: [G, SER],
    },
    { name: ']e0 GS1 DataBar', input: `]e001${GTIN}17270331`, expected: [G, EXP] },
    { name: ']Q3 SSCC', input: ']Q300106141412345678908', expected: [{ ai: '00', value: '106141412345678908' }] },
    {
      name: '7003 is fixed length but needs a separator',
      input: `01${GTIN}70032703311259${GS}21X`,
      expected: [
        { ai: '01', value: GTIN },
        { ai: '7003', value: '2703311259' },
        { ai: '21', value: 'X' },
      ],
    },
    {
      name: 'trailing GS is ignored',
      input: `01${GTIN}21ABC123${GS}`,
      expected: [G, SER],
    },
  ])('$name', ({ input, expected }) => {
    expect(parseElementString(input)).toEqual(expected);
  });
});

describe('parseElementString: errors', () => {
  it.each([
    {
      name: 'bad GTIN check digit',
      input: '(01)09506000134353(21)X',
      part: 'AI (01) GTIN',
      reason: 'check-digit',
      mentions: ['"09506000134353"', 'check digit 3; expected 2'],
    },
    {
      name: 'bad check digit in raw data',
      input: `]d20109506000134353${'21X'}`,
      part: 'AI (01) GTIN',
      reason: 'check-digit',
      mentions: ['"09506000134353"'],
    },
    {
      name: 'CSET 82 violation in a serial',
      input: `(01)${GTIN}(21)AB#1`,
      part: 'serial (AI 21)',
      reason: 'charset',
      mentions: ['"AB#1"', '"#" at position 3'],
    },
    {
      name: 'CSET 82 violation in raw data',
      input: `01${GTIN}21AB 1`,
      part: 'serial (AI 21)',
      reason: 'charset',
      mentions: ['" " at position 3'],
    },
    {
      name: 'unknown AI in bracketed form',
      input: `(01)${GTIN}(99)ABC`,
      part: 'element string',
      reason: 'unknown-ai',
      mentions: ['position 19', '(99)'],
    },
    {
      name: 'unknown AI in raw data names the position',
      input: `01${GTIN}99ABC`,
      part: 'element string',
      reason: 'unknown-ai',
      mentions: ['position 17', '"99ABC"'],
    },
    {
      name: 'unknown AI after a symbology identifier counts the prefix',
      input: `]d2${GS}01${GTIN}98X`,
      part: 'element string',
      reason: 'unknown-ai',
      mentions: ['position 21'],
    },
    {
      name: 'non-GS1 symbology identifier',
      input: `]d101${GTIN}`,
      part: 'symbology identifier',
      reason: 'unsupported',
      mentions: ['"]d1"', ']d2'],
    },
    {
      name: 'fixed-length field cut short by the end of data',
      input: '0109506000134',
      part: 'AI (01) GTIN',
      reason: 'length',
      mentions: ['"09506000134"', 'expected exactly 14'],
    },
    {
      name: 'fixed-length field cut short by GS',
      input: `1727033${GS}10L`,
      part: 'expiry date (AI 17)',
      reason: 'length',
      mentions: ['"27033"'],
    },
    {
      name: 'fixed-length field too long in bracketed form',
      input: `(01)${GTIN}1`,
      part: 'AI (01) GTIN',
      reason: 'length',
      mentions: ['15 digits'],
    },
    {
      name: 'variable field too long',
      input: `(01)${GTIN}(21)${'S'.repeat(21)}`,
      part: 'serial (AI 21)',
      reason: 'length',
      mentions: ['21 characters', '1 to 20'],
    },
    {
      name: 'missing separator makes the serial swallow the next AI',
      input: `01${GTIN}21ABCD1231727033110LOT1`,
      part: 'serial (AI 21)',
      reason: 'length',
      mentions: ['"ABCD1231727033110LOT1"', '21 characters'],
    },
    {
      name: 'duplicate AI with different values',
      input: `(01)${GTIN}(21)A(21)B`,
      part: 'serial (AI 21)',
      reason: 'duplicate-ai',
      mentions: ['"A"', '"B"'],
    },
    {
      name: 'invalid expiry month',
      input: `(01)${GTIN}(17)271301`,
      part: 'expiry date (AI 17)',
      reason: 'date',
      mentions: ['"271301"', 'month 13'],
    },
    {
      name: 'empty serial',
      input: `(01)${GTIN}(21)`,
      part: 'serial (AI 21)',
      reason: 'empty',
    },
    { name: 'empty input', input: '   ', part: 'element string', reason: 'empty' },
    { name: 'only a symbology identifier', input: ']d2', part: 'element string', reason: 'empty' },
    {
      name: 'bracketed form with a malformed AI',
      input: '(1)23',
      part: 'element string',
      reason: 'syntax',
      mentions: ['position 1'],
    },
  ])('$name', ({ input, part, reason, mentions }) => {
    expectGs1Error(() => parseElementString(input), { part, reason, mentions: mentions ?? [] });
  });
});

describe('formatElementString', () => {
  it.each([
    {
      name: 'unit',
      ais: UNIT,
      bracketed: `(01)${GTIN}(21)ABC123(10)LOT1(17)270331`,
      raw: `01${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
    },
    {
      name: 'variable field last: no trailing GS',
      ais: [G, EXP, LOT],
      bracketed: `(01)${GTIN}(17)270331(10)LOT1`,
      raw: `01${GTIN}1727033110LOT1`,
    },
    {
      name: '7003 gets a separator',
      ais: [
        { ai: '7003', value: '2703311259' },
        { ai: '01', value: GTIN },
      ],
      bracketed: `(7003)2703311259(01)${GTIN}`,
      raw: `70032703311259${GS}01${GTIN}`,
    },
    {
      name: '"(" is escaped in bracketed form',
      ais: [
        { ai: '01', value: GTIN },
        { ai: '21', value: 'X(10)Y' },
      ],
      bracketed: `(01)${GTIN}(21)X\\(10)Y`,
      raw: `01${GTIN}21X(10)Y`,
    },
  ])('$name', ({ ais, bracketed, raw }) => {
    expect(formatElementString(ais)).toBe(bracketed);
    expect(formatElementString(ais, { raw: true })).toBe(raw);
    expect(parseElementString(bracketed)).toEqual(ais);
    expect(parseElementString(raw)).toEqual(ais);
    expect(parseElementString(`]d2${raw}`)).toEqual(ais);
  });

  it.each([
    { name: 'bad check digit', ais: [{ ai: '01', value: '09506000134353' }], part: 'AI (01) GTIN', reason: 'check-digit' },
    { name: 'unknown AI', ais: [{ ai: '99', value: 'X' }], part: 'element string', reason: 'unknown-ai' },
    { name: 'CSET 82', ais: [{ ai: '10', value: 'L#' }], part: 'lot (AI 10)', reason: 'charset' },
    {
      name: 'duplicate AI',
      ais: [
        { ai: '10', value: 'A' },
        { ai: '10', value: 'B' },
      ],
      part: 'lot (AI 10)',
      reason: 'duplicate-ai',
    },
    { name: 'nothing to format', ais: [], part: 'element string', reason: 'empty' },
  ])('rejects $name', ({ ais, part, reason }) => {
    expectGs1Error(() => formatElementString(ais), { part, reason });
  });
});
