import { describe, it, expect } from 'vitest';
import {
  escapeEpcComponent,
  formatIdpatSgtinUrn,
  formatLgtinUrn,
  formatPglnUrn,
  formatSglnUrn,
  formatSgtinUrn,
  formatSsccUrn,
  parseEpcUrn,
  unescapeEpcComponent,
} from './epcUrn.ts';
import type { EpcUrn } from './epcUrn.ts';
import { expectGs1Error } from './testSupport.ts';

// Examples from the GS1 EPC Tag Data Standard (TDS) 2.x: SGTIN
// urn:epc:id:sgtin:0614141.812345.6789 = (01) 80614141123458 (21) 6789,
// SSCC urn:epc:id:sscc:0614141.1234567890 = (00) 106141412345678908,
// SGLN urn:epc:id:sgln:0614141.12345.400 = (414) 0614141123452 (254) 400.
// Check digits were recomputed (see checkDigit.test.ts).

describe('parseEpcUrn', () => {
  it.each<{ name: string; urn: string; expected: EpcUrn }>([
    {
      name: 'TDS SGTIN example',
      urn: 'urn:epc:id:sgtin:0614141.812345.6789',
      expected: { scheme: 'sgtin', companyPrefix: '0614141', gtin: '80614141123458', serial: '6789' },
    },
    {
      name: 'SGTIN with indicator digit 1',
      urn: 'urn:epc:id:sgtin:0614141.112345.400',
      expected: { scheme: 'sgtin', companyPrefix: '0614141', gtin: '10614141123459', serial: '400' },
    },
    {
      name: 'SGTIN with a 6-digit company prefix',
      urn: 'urn:epc:id:sgtin:950600.0013435.X1',
      expected: { scheme: 'sgtin', companyPrefix: '950600', gtin: '09506000134352', serial: 'X1' },
    },
    {
      name: 'SGTIN with a 12-digit company prefix (item reference is the indicator only)',
      urn: 'urn:epc:id:sgtin:061414112345.8.1',
      expected: { scheme: 'sgtin', companyPrefix: '061414112345', gtin: '80614141123458', serial: '1' },
    },
    {
      name: 'SGTIN serial with escapes',
      urn: 'urn:epc:id:sgtin:0614141.812345.A%2F1%25%22%26%3C%3E%3F',
      expected: { scheme: 'sgtin', companyPrefix: '0614141', gtin: '80614141123458', serial: 'A/1%"&<>?' },
    },
    {
      name: 'SGTIN serial with dots and URN-safe punctuation',
      urn: "urn:epc:id:sgtin:0614141.812345.1.2:3;'(x)*+,-=!_",
      expected: { scheme: 'sgtin', companyPrefix: '0614141', gtin: '80614141123458', serial: "1.2:3;'(x)*+,-=!_" },
    },
    {
      name: 'upper-case URN prefix and scheme',
      urn: 'URN:EPC:ID:SGTIN:0614141.812345.6789',
      expected: { scheme: 'sgtin', companyPrefix: '0614141', gtin: '80614141123458', serial: '6789' },
    },
    {
      name: 'TDS SSCC example',
      urn: 'urn:epc:id:sscc:0614141.1234567890',
      expected: { scheme: 'sscc', companyPrefix: '0614141', sscc: '106141412345678908' },
    },
    {
      name: 'TDS SGLN example',
      urn: 'urn:epc:id:sgln:0614141.12345.400',
      expected: { scheme: 'sgln', companyPrefix: '0614141', gln: '0614141123452', extension: '400' },
    },
    {
      name: 'SGLN without extension ("0")',
      urn: 'urn:epc:id:sgln:0614141.12345.0',
      expected: { scheme: 'sgln', companyPrefix: '0614141', gln: '0614141123452', extension: '0' },
    },
    {
      name: 'SGLN with a 12-digit company prefix (empty location reference)',
      urn: 'urn:epc:id:sgln:061414112345..0',
      expected: { scheme: 'sgln', companyPrefix: '061414112345', gln: '0614141123452', extension: '0' },
    },
    {
      name: 'PGLN',
      urn: 'urn:epc:id:pgln:0614141.12345',
      expected: { scheme: 'pgln', companyPrefix: '0614141', gln: '0614141123452' },
    },
    {
      name: 'LGTIN class',
      urn: 'urn:epc:class:lgtin:0614141.812345.998877',
      expected: { scheme: 'lgtin', companyPrefix: '0614141', gtin: '80614141123458', lot: '998877' },
    },
    {
      name: 'LGTIN with escaped lot',
      urn: 'urn:epc:class:lgtin:0614141.812345.L%2F7',
      expected: { scheme: 'lgtin', companyPrefix: '0614141', gtin: '80614141123458', lot: 'L/7' },
    },
    {
      name: 'SGTIN ID pattern for one GTIN',
      urn: 'urn:epc:idpat:sgtin:0614141.812345.*',
      expected: { scheme: 'idpat-sgtin', companyPrefix: '0614141', gtin: '80614141123458' },
    },
  ])('$name', ({ urn, expected }) => {
    expect(parseEpcUrn(urn)).toEqual(expected);
  });

  it.each([
    {
      name: 'company prefix too short',
      urn: 'urn:epc:id:sgtin:61414.81234567.1',
      part: 'EPC URN company prefix',
      reason: 'company-prefix',
      mentions: ['"61414"', '5 digits', '6 to 12'],
    },
    {
      name: 'company prefix too long',
      urn: 'urn:epc:id:sgln:0614141123452..0',
      part: 'EPC URN company prefix',
      reason: 'company-prefix',
      mentions: ['"0614141123452"', '13 digits'],
    },
    {
      name: 'company prefix with a letter',
      urn: 'urn:epc:id:sgtin:06141A1.812345.1',
      part: 'EPC URN company prefix',
      reason: 'non-digit',
      mentions: ['"A" at position 6'],
    },
    {
      name: 'item reference of the wrong length',
      urn: 'urn:epc:id:sgtin:0614141.81234.1',
      part: 'EPC URN indicator and item reference',
      reason: 'length',
      mentions: ['"81234"', '5 digits', 'must have 6'],
    },
    {
      name: 'SSCC serial reference of the wrong length',
      urn: 'urn:epc:id:sscc:0614141.123456789',
      part: 'EPC URN serial reference',
      reason: 'length',
      mentions: ['"123456789"', 'must have 10'],
    },
    {
      name: 'SGLN location reference of the wrong length',
      urn: 'urn:epc:id:sgln:0614141.1234.0',
      part: 'EPC URN location reference',
      reason: 'length',
      mentions: ['"1234"'],
    },
    {
      name: 'PGLN party reference of the wrong length',
      urn: 'urn:epc:id:pgln:0614141.123456',
      part: 'EPC URN party reference',
      reason: 'length',
    },
    {
      name: 'PGLN with an extension component',
      urn: 'urn:epc:id:pgln:0614141.12345.0',
      part: 'EPC URN',
      reason: 'syntax',
      mentions: ['3 dot-separated components', 'CompanyPrefix.PartyReference'],
    },
    {
      name: 'SGTIN without serial component',
      urn: 'urn:epc:id:sgtin:0614141.812345',
      part: 'EPC URN',
      reason: 'syntax',
    },
    {
      name: 'unescaped "/" in a serial',
      urn: 'urn:epc:id:sgtin:0614141.812345.A/1',
      part: 'serial (AI 21)',
      reason: 'escape',
      mentions: ['"A/1"', '%2F'],
    },
    {
      name: 'malformed escape',
      urn: 'urn:epc:id:sgtin:0614141.812345.A%2',
      part: 'serial (AI 21)',
      reason: 'escape',
      mentions: ['"A%2"', 'position 2'],
    },
    {
      name: 'escaped character outside CSET 82',
      urn: 'urn:epc:id:sgtin:0614141.812345.A%23',
      part: 'serial (AI 21)',
      reason: 'charset',
      mentions: ['"#"'],
    },
    {
      name: 'empty serial',
      urn: 'urn:epc:id:sgtin:0614141.812345.',
      part: 'serial (AI 21)',
      reason: 'empty',
    },
    {
      name: 'serial longer than 20 characters',
      urn: `urn:epc:id:sgtin:0614141.812345.${'9'.repeat(21)}`,
      part: 'serial (AI 21)',
      reason: 'length',
      mentions: ['21 characters'],
    },
    {
      name: 'lot with a space',
      urn: 'urn:epc:class:lgtin:0614141.812345.L 1',
      part: 'lot (AI 10)',
      reason: 'charset',
    },
    {
      name: 'ID pattern with a serial instead of *',
      urn: 'urn:epc:idpat:sgtin:0614141.812345.6789',
      part: 'EPC URN serial pattern',
      reason: 'unsupported',
      mentions: ['"6789"'],
    },
    {
      name: 'ID pattern for a whole company',
      urn: 'urn:epc:idpat:sgtin:0614141.*.*',
      part: 'EPC URN indicator and item reference',
      reason: 'non-digit',
    },
    {
      name: 'unsupported scheme',
      urn: 'urn:epc:id:giai:0614141.12345400',
      part: 'EPC URN scheme',
      reason: 'unsupported',
      mentions: ['urn:epc:id:giai', 'urn:epc:id:sgtin'],
    },
    {
      name: 'tag URI is not a pure identity URI',
      urn: 'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
      part: 'EPC URN scheme',
      reason: 'unsupported',
    },
    { name: 'not an EPC URN', urn: 'urn:isbn:0451450523', part: 'EPC URN', reason: 'syntax' },
  ])('rejects $name', ({ urn, part, reason, mentions }) => {
    expectGs1Error(() => parseEpcUrn(urn), { part, reason, mentions: mentions ?? [] });
  });
});

describe('TDS escaping', () => {
  it.each([
    { raw: 'ABC', escaped: 'ABC' },
    { raw: 'A/1%', escaped: 'A%2F1%25' },
    { raw: '"%&/<>?', escaped: '%22%25%26%2F%3C%3E%3F' },
    { raw: "!'()*+,-.:;=_", escaped: "!'()*+,-.:;=_" },
  ])('$raw <-> $escaped', ({ raw, escaped }) => {
    expect(escapeEpcComponent(raw)).toBe(escaped);
    expect(unescapeEpcComponent(escaped, 'serial (AI 21)')).toBe(raw);
  });

  it('decodes lower-case hex and escapes of characters that need none', () => {
    expect(unescapeEpcComponent('a%2fb%41', 'serial (AI 21)')).toBe('a/bA');
  });
});

describe('formatting EPC URNs', () => {
  it.each([
    { name: 'TDS SGTIN example', fn: () => formatSgtinUrn('80614141123458', '6789', 7), urn: 'urn:epc:id:sgtin:0614141.812345.6789' },
    { name: 'SGTIN with escaped serial', fn: () => formatSgtinUrn('80614141123458', 'A/1%', 7), urn: 'urn:epc:id:sgtin:0614141.812345.A%2F1%25' },
    { name: 'SGTIN, 12-digit company prefix', fn: () => formatSgtinUrn('80614141123458', '1', 12), urn: 'urn:epc:id:sgtin:061414112345.8.1' },
    { name: 'SGTIN from a GTIN-13', fn: () => formatSgtinUrn('9506000134352', 'X1', 6), urn: 'urn:epc:id:sgtin:950600.0013435.X1' },
    { name: 'TDS SSCC example', fn: () => formatSsccUrn('106141412345678908', 7), urn: 'urn:epc:id:sscc:0614141.1234567890' },
    { name: 'TDS SGLN example', fn: () => formatSglnUrn('0614141123452', '400', 7), urn: 'urn:epc:id:sgln:0614141.12345.400' },
    { name: 'SGLN without extension', fn: () => formatSglnUrn('0614141123452', undefined, 7), urn: 'urn:epc:id:sgln:0614141.12345.0' },
    { name: 'SGLN, 12-digit company prefix', fn: () => formatSglnUrn('0614141123452', '', 12), urn: 'urn:epc:id:sgln:061414112345..0' },
    { name: 'PGLN', fn: () => formatPglnUrn('0614141123452', 7), urn: 'urn:epc:id:pgln:0614141.12345' },
    { name: 'LGTIN', fn: () => formatLgtinUrn('80614141123458', '998877', 7), urn: 'urn:epc:class:lgtin:0614141.812345.998877' },
    { name: 'ID pattern', fn: () => formatIdpatSgtinUrn('80614141123458', 7), urn: 'urn:epc:idpat:sgtin:0614141.812345.*' },
  ])('$name', ({ fn, urn }) => {
    expect(fn()).toBe(urn);
  });

  it.each([5, 13, 7.5, Number.NaN])('rejects company prefix length %s', (cpl) => {
    expectGs1Error(() => formatSgtinUrn('80614141123458', '1', cpl), {
      part: 'EPC URN company prefix',
      reason: 'company-prefix',
      mentions: [String(cpl), '6 to 12'],
    });
  });

  it.each([
    { name: 'bad GTIN', fn: () => formatSgtinUrn('80614141123457', '1', 7), part: 'AI (01) GTIN', reason: 'check-digit' },
    { name: 'bad serial', fn: () => formatSgtinUrn('80614141123458', 'A#', 7), part: 'serial (AI 21)', reason: 'charset' },
    { name: 'bad SSCC', fn: () => formatSsccUrn('10614141234567890', 7), part: 'AI (00) SSCC', reason: 'length' },
    { name: 'bad GLN', fn: () => formatPglnUrn('0614141123453', 7), part: 'GLN', reason: 'check-digit' },
    { name: 'bad extension', fn: () => formatSglnUrn('0614141123452', 'x'.repeat(21), 7), part: 'GLN extension (AI 254)', reason: 'length' },
    { name: 'bad lot', fn: () => formatLgtinUrn('80614141123458', '', 7), part: 'lot (AI 10)', reason: 'empty' },
  ])('rejects $name', ({ fn, part, reason }) => {
    expectGs1Error(fn, { part, reason });
  });

  it.each([6, 7, 8, 9, 10, 11, 12])('round-trips every key through a %i-digit company prefix', (cpl) => {
    const sgtin = parseEpcUrn(formatSgtinUrn('80614141123458', 'S/%1', cpl));
    expect(sgtin).toEqual({ scheme: 'sgtin', companyPrefix: '80614141123458'.slice(1, 1 + cpl), gtin: '80614141123458', serial: 'S/%1' });
    expect(parseEpcUrn(formatSsccUrn('106141412345678908', cpl))).toMatchObject({ sscc: '106141412345678908' });
    expect(parseEpcUrn(formatSglnUrn('0614141123452', 'E/1', cpl))).toMatchObject({ gln: '0614141123452', extension: 'E/1' });
    expect(parseEpcUrn(formatPglnUrn('0614141123452', cpl))).toMatchObject({ gln: '0614141123452' });
    expect(parseEpcUrn(formatLgtinUrn('80614141123458', 'L%', cpl))).toMatchObject({ gtin: '80614141123458', lot: 'L%' });
    expect(parseEpcUrn(formatIdpatSgtinUrn('80614141123458', cpl))).toMatchObject({ gtin: '80614141123458' });
  });
});
