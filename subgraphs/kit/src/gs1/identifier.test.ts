import { describe, it, expect } from 'vitest';
import {
  canonicalKey,
  identifierToAis,
  parseIdentifier,
  parseUnitCode,
  toCanonicalKey,
  toDigitalLink,
  toEpcUrn,
  unitKey,
} from './identifier.ts';
import type { Gs1Identifier } from './identifier.ts';
import { formatElementString } from './elementString.ts';
import { formatDigitalLink } from './digitalLink.ts';
import { formatSgtinUrn } from './epcUrn.ts';
import { GS, expectGs1Error } from './testSupport.ts';

// Vectors: GTIN 09506000134352 (GS1 Digital Link standard examples);
// urn:epc:id:sgtin:0614141.812345.6789 = GTIN 80614141123458 serial 6789,
// urn:epc:id:sscc:0614141.1234567890 = SSCC 106141412345678908,
// urn:epc:id:sgln:0614141.12345.400 = GLN 0614141123452 ext 400 (GS1 EPC Tag Data Standard).
const GTIN = '09506000134352';

describe('parseIdentifier', () => {
  it.each<{ name: string; input: string; expected: Gs1Identifier }>([
    // EPC URNs
    { name: 'EPC SGTIN (TDS example)', input: 'urn:epc:id:sgtin:0614141.812345.6789', expected: { kind: 'sgtin', gtin: '80614141123458', serial: '6789' } },
    { name: 'EPC SSCC (TDS example)', input: 'urn:epc:id:sscc:0614141.1234567890', expected: { kind: 'sscc', sscc: '106141412345678908' } },
    { name: 'EPC SGLN (TDS example)', input: 'urn:epc:id:sgln:0614141.12345.400', expected: { kind: 'sgln', gln: '0614141123452', extension: '400' } },
    { name: 'EPC SGLN without extension', input: 'urn:epc:id:sgln:0614141.12345.0', expected: { kind: 'sgln', gln: '0614141123452' } },
    { name: 'EPC PGLN', input: 'urn:epc:id:pgln:0614141.12345', expected: { kind: 'pgln', gln: '0614141123452' } },
    { name: 'EPC LGTIN', input: 'urn:epc:class:lgtin:0614141.812345.998877', expected: { kind: 'lgtin', gtin: '80614141123458', lot: '998877' } },
    { name: 'EPC ID pattern', input: 'urn:epc:idpat:sgtin:0614141.812345.*', expected: { kind: 'gtin', gtin: '80614141123458' } },
    // Digital Link
    {
      name: 'Digital Link with lot, serial and expiry',
      input: `https://id.gs1.org/01/${GTIN}/10/ABC/21/123?17=270331`,
      expected: { kind: 'sgtin', gtin: GTIN, serial: '123', lot: 'ABC', expiry: '2027-03-31' },
    },
    { name: 'Digital Link GTIN + lot', input: `https://example.com/x/01/${GTIN}/10/ABC`, expected: { kind: 'lgtin', gtin: GTIN, lot: 'ABC' } },
    { name: 'Digital Link GTIN-13 only', input: 'https://id.gs1.org/01/9506000134352', expected: { kind: 'gtin', gtin: GTIN } },
    { name: 'Digital Link SSCC', input: 'https://id.gs1.org/00/106141412345678908', expected: { kind: 'sscc', sscc: '106141412345678908' } },
    { name: 'Digital Link GLN + extension', input: 'https://id.gs1.org/414/0614141123452/254/400', expected: { kind: 'sgln', gln: '0614141123452', extension: '400' } },
    { name: 'Digital Link party GLN', input: 'https://id.gs1.org/417/0614141123452', expected: { kind: 'pgln', gln: '0614141123452' } },
    { name: 'canonical key (host-less path)', input: `/01/${GTIN}/21/ABC%2F1`, expected: { kind: 'sgtin', gtin: GTIN, serial: 'ABC/1' } },
    // Element strings
    {
      name: 'bracketed element string',
      input: `(01)${GTIN}(21)ABC123(10)LOT1(17)270331`,
      expected: { kind: 'sgtin', gtin: GTIN, serial: 'ABC123', lot: 'LOT1', expiry: '2027-03-31' },
    },
    {
      name: 'raw ]d2 scan with GS separators',
      input: `]d201${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
      expected: { kind: 'sgtin', gtin: GTIN, serial: 'ABC123', lot: 'LOT1', expiry: '2027-03-31' },
    },
    {
      name: 'raw scan starting with GS',
      input: `${GS}01${GTIN}21S`,
      expected: { kind: 'sgtin', gtin: GTIN, serial: 'S' },
    },
    {
      name: 'day-00 expiry means the last day of the month',
      input: `(01)${GTIN}(17)280200(21)S`,
      expected: { kind: 'sgtin', gtin: GTIN, serial: 'S', expiry: '2028-02-29' },
    },
    { name: 'GTIN + lot + expiry is a LGTIN', input: `(01)${GTIN}(17)270331(10)L`, expected: { kind: 'lgtin', gtin: GTIN, lot: 'L' } },
    { name: 'GTIN + expiry only is a product class', input: `01${GTIN}17270331`, expected: { kind: 'gtin', gtin: GTIN } },
    {
      name: 'SSCC label with content and count',
      input: `(00)106141412345678908(02)${GTIN}(37)24`,
      expected: { kind: 'sscc', sscc: '106141412345678908' },
    },
    { name: 'GLN with extension 0', input: '(414)0614141123452(254)0', expected: { kind: 'sgln', gln: '0614141123452' } },
    { name: 'party GLN', input: '(417)0614141123452', expected: { kind: 'pgln', gln: '0614141123452' } },
    { name: 'surrounding whitespace', input: ' \t urn:epc:id:sgtin:0614141.812345.6789 \n', expected: { kind: 'sgtin', gtin: '80614141123458', serial: '6789' } },
  ])('$name', ({ input, expected }) => {
    expect(parseIdentifier(input)).toEqual(expected);
  });

  it.each([
    { name: 'empty', input: '  ', part: 'identifier', reason: 'empty', mentions: ['EPC URN', 'Digital Link', 'element string'] },
    { name: 'free text', input: 'hello', part: 'identifier', reason: 'syntax', mentions: ['"hello"', 'EPC URN', 'Digital Link', 'element string'] },
    { name: 'ftp URI', input: `ftp://id.gs1.org/01/${GTIN}`, part: 'identifier', reason: 'syntax' },
    { name: 'lot without GTIN', input: '(10)LOT1', part: 'identifier', reason: 'missing-key', mentions: ['(10)LOT1', 'AI 01'] },
    { name: 'serial without GTIN', input: '(21)S1', part: 'identifier', reason: 'missing-key', mentions: ['serial (AI 21)', 'GTIN (AI 01)'] },
    {
      name: 'two keys',
      input: '(414)0614141123452(417)0614141123452',
      part: 'identifier',
      reason: 'ambiguous-key',
      mentions: ['414, 417'],
    },
    { name: 'unsupported EPC scheme', input: 'urn:epc:id:grai:0614141.12345.400', part: 'EPC URN scheme', reason: 'unsupported' },
    { name: 'bad check digit', input: `(01)09506000134353(21)1`, part: 'AI (01) GTIN', reason: 'check-digit', mentions: ['"09506000134353"'] },
    { name: 'wrong Digital Link qualifier order', input: `https://id.gs1.org/01/${GTIN}/21/1/10/L`, part: 'Digital Link path', reason: 'qualifier-order', mentions: ['lot (AI 10)'] },
    { name: 'CSET 82 violation', input: `(01)${GTIN}(21)A B`, part: 'serial (AI 21)', reason: 'charset', mentions: ['"A B"', 'position 2'] },
  ])('rejects $name', ({ input, part, reason, mentions }) => {
    expectGs1Error(() => parseIdentifier(input), { part, reason, mentions: mentions ?? [] });
  });
});

describe('parseUnitCode', () => {
  it.each([
    { input: 'urn:epc:id:sgtin:0614141.812345.6789', expected: { gtin: '80614141123458', serial: '6789' } },
    {
      input: `]d201${GTIN}1727033110LOT1${GS}21S1`,
      expected: { gtin: GTIN, serial: 'S1', lot: 'LOT1', expiry: '2027-03-31' },
    },
    { input: `https://id.gs1.org/01/${GTIN}/21/S%2F1`, expected: { gtin: GTIN, serial: 'S/1' } },
  ])('$input', ({ input, expected }) => {
    expect(parseUnitCode(input)).toEqual(expected);
  });

  it.each([
    { name: 'SSCC', input: '(00)106141412345678908', got: 'got an SSCC' },
    { name: 'LGTIN', input: 'urn:epc:class:lgtin:0614141.812345.998877', got: 'LGTIN' },
    { name: 'GTIN class', input: `https://id.gs1.org/01/${GTIN}`, got: 'product class' },
    { name: 'location GLN', input: 'urn:epc:id:sgln:0614141.12345.400', got: 'location GLN' },
    { name: 'party GLN', input: '(417)0614141123452', got: 'party GLN' },
  ])('rejects a $name', ({ input, got }) => {
    expectGs1Error(() => parseUnitCode(input), {
      part: 'serialized unit',
      reason: 'wrong-kind',
      mentions: ['Expected a serialized unit (GTIN + serial, AI 01 + 21)', got, input],
    });
  });
});

describe('canonicalKey', () => {
  it.each<{ name: string; id: Gs1Identifier; key: string }>([
    { name: 'sgtin', id: { kind: 'sgtin', gtin: GTIN, serial: 'ABC/1' }, key: `/01/${GTIN}/21/ABC%2F1` },
    {
      name: 'sgtin ignores lot and expiry',
      id: { kind: 'sgtin', gtin: GTIN, serial: '123', lot: 'ABC', expiry: '2027-03-31' },
      key: `/01/${GTIN}/21/123`,
    },
    { name: 'sgtin with GTIN-13', id: { kind: 'sgtin', gtin: '9506000134352', serial: '1' }, key: `/01/${GTIN}/21/1` },
    { name: 'lgtin', id: { kind: 'lgtin', gtin: GTIN, lot: 'L(1' }, key: `/01/${GTIN}/10/L%281` },
    { name: 'gtin', id: { kind: 'gtin', gtin: GTIN }, key: `/01/${GTIN}` },
    { name: 'sscc', id: { kind: 'sscc', sscc: '106141412345678908' }, key: '/00/106141412345678908' },
    { name: 'sgln', id: { kind: 'sgln', gln: '0614141123452' }, key: '/414/0614141123452' },
    { name: 'sgln with extension', id: { kind: 'sgln', gln: '0614141123452', extension: '400' }, key: '/414/0614141123452/254/400' },
    { name: 'sgln with extension 0', id: { kind: 'sgln', gln: '0614141123452', extension: '0' }, key: '/414/0614141123452' },
    { name: 'pgln', id: { kind: 'pgln', gln: '0614141123452' }, key: '/417/0614141123452' },
  ])('$name -> $key', ({ id, key }) => {
    expect(canonicalKey(id)).toBe(key);
    // A canonical key parses back to the same key.
    expect(toCanonicalKey(key)).toBe(key);
  });

  it.each<{ name: string; id: Gs1Identifier; part: string; reason: string }>([
    { name: 'bad GTIN', id: { kind: 'sgtin', gtin: '09506000134353', serial: '1' }, part: 'AI (01) GTIN', reason: 'check-digit' },
    { name: 'bad serial', id: { kind: 'sgtin', gtin: GTIN, serial: 'a#b' }, part: 'serial (AI 21)', reason: 'charset' },
    { name: 'empty serial', id: { kind: 'sgtin', gtin: GTIN, serial: '' }, part: 'serial (AI 21)', reason: 'empty' },
    { name: 'bad SSCC', id: { kind: 'sscc', sscc: '1' }, part: 'AI (00) SSCC', reason: 'length' },
    { name: 'bad location GLN', id: { kind: 'sgln', gln: '0614141123453' }, part: 'AI (414) location GLN', reason: 'check-digit' },
    { name: 'bad party GLN', id: { kind: 'pgln', gln: 'x' }, part: 'AI (417) party GLN', reason: 'non-digit' },
  ])('rejects $name', ({ id, part, reason }) => {
    expectGs1Error(() => canonicalKey(id), { part, reason });
  });

  it('unitKey is the canonical key of an sgtin', () => {
    expect(unitKey(GTIN, 'ABC/1')).toBe(`/01/${GTIN}/21/ABC%2F1`);
    expect(unitKey('9506000134352', '100%')).toBe(`/01/${GTIN}/21/100%25`);
  });
});

describe('toDigitalLink / toEpcUrn', () => {
  const unit: Gs1Identifier = { kind: 'sgtin', gtin: '80614141123458', serial: 'A/1%', lot: 'L1', expiry: '2027-03-31' };

  it.each<{ id: Gs1Identifier; uri: string; urn: string }>([
    {
      id: unit,
      uri: 'https://id.gs1.org/01/80614141123458/10/L1/21/A%2F1%25?17=270331',
      urn: 'urn:epc:id:sgtin:0614141.812345.A%2F1%25',
    },
    { id: { kind: 'lgtin', gtin: '80614141123458', lot: '998877' }, uri: 'https://id.gs1.org/01/80614141123458/10/998877', urn: 'urn:epc:class:lgtin:0614141.812345.998877' },
    { id: { kind: 'gtin', gtin: '80614141123458' }, uri: 'https://id.gs1.org/01/80614141123458', urn: 'urn:epc:idpat:sgtin:0614141.812345.*' },
    { id: { kind: 'sscc', sscc: '106141412345678908' }, uri: 'https://id.gs1.org/00/106141412345678908', urn: 'urn:epc:id:sscc:0614141.1234567890' },
    { id: { kind: 'sgln', gln: '0614141123452', extension: '400' }, uri: 'https://id.gs1.org/414/0614141123452/254/400', urn: 'urn:epc:id:sgln:0614141.12345.400' },
    { id: { kind: 'sgln', gln: '0614141123452' }, uri: 'https://id.gs1.org/414/0614141123452', urn: 'urn:epc:id:sgln:0614141.12345.0' },
    { id: { kind: 'pgln', gln: '0614141123452' }, uri: 'https://id.gs1.org/417/0614141123452', urn: 'urn:epc:id:pgln:0614141.12345' },
  ])('$id.kind -> $urn', ({ id, uri, urn }) => {
    expect(toDigitalLink(id)).toBe(uri);
    expect(toEpcUrn(id, 7)).toBe(urn);
    expect(toCanonicalKey(uri)).toBe(canonicalKey(id));
    expect(toCanonicalKey(urn)).toBe(canonicalKey(id));
  });

  it('uses a custom Digital Link host', () => {
    expect(toDigitalLink({ kind: 'gtin', gtin: GTIN }, 'https://dl.example.com/p')).toBe(`https://dl.example.com/p/01/${GTIN}`);
  });

  it('round-trips an sgtin with lot and expiry through the Digital Link', () => {
    expect(parseIdentifier(toDigitalLink(unit))).toEqual(unit);
    expect(parseIdentifier(formatElementString(identifierToAis(unit)))).toEqual(unit);
  });

  it('rejects a bad company prefix length', () => {
    expectGs1Error(() => toEpcUrn(unit, 4), { part: 'EPC URN company prefix', reason: 'company-prefix' });
  });
});

describe('one unit, every notation, one key', () => {
  // Serials chosen to stress escaping: "/" and "%" are escaped differently
  // in EPC URNs (TDS %HH for " % & / < > ?) and Digital Links (all but unreserved).
  const SERIALS = ['6789', 'ABC/1', '100%', 'A/1%2F', '%25', 'a.b.c', '"&<>?', "!'()*+,-./:;=_", 'X'.repeat(20), '(21)x'];

  it.each(SERIALS)('serial %j', (serial) => {
    const gtin = '80614141123458';
    const key = unitKey(gtin, serial);

    const urn = formatSgtinUrn(gtin, serial, 7);
    const dl = formatDigitalLink([
      { ai: '01', value: gtin },
      { ai: '21', value: serial },
    ], 'https://example.com/prefix');
    const bracketed = formatElementString([
      { ai: '01', value: gtin },
      { ai: '21', value: serial },
      { ai: '10', value: 'LOT1' },
      { ai: '17', value: '270300' },
    ]);
    const raw = `]d2${formatElementString(
      [
        { ai: '01', value: gtin },
        { ai: '21', value: serial },
        { ai: '17', value: '270331' },
      ],
      { raw: true },
    )}`;

    for (const form of [urn, dl, bracketed, raw, key, `https://id.gs1.org${key}`]) {
      expect(toCanonicalKey(form), form).toBe(key);
      expect(parseUnitCode(form).serial, form).toBe(serial);
    }
    // Formatting back from the parsed identifier reproduces each notation.
    const id = parseIdentifier(urn);
    expect(toEpcUrn(id, 7)).toBe(urn);
    expect(toDigitalLink(id, 'https://example.com/prefix')).toBe(dl);
    expect(parseIdentifier(key)).toEqual({ kind: 'sgtin', gtin, serial });
  });

  it('the same TDS unit in URN, Digital Link and element string has one key', () => {
    const forms = [
      'urn:epc:id:sgtin:0614141.812345.6789',
      'https://id.gs1.org/01/80614141123458/21/6789',
      'https://brand.example/any/path/01/80614141123458/10/LOT/21/6789?17=270331&linkType=gs1:pip',
      '(01)80614141123458(21)6789',
      `]d2018061414112345810LOT${GS}216789`,
      '/01/80614141123458/21/6789',
    ];
    const keys = new Set(forms.map(toCanonicalKey));
    expect([...keys]).toEqual(['/01/80614141123458/21/6789']);
  });
});
