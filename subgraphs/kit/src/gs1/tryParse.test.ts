import { isDeepStrictEqual } from 'node:util';
import { describe, it, expect } from 'vitest';
import { Gs1Error } from './errors.ts';
import { canonicalKey, parseIdentifier, toCanonicalKey, tryCanonicalKey, tryParseIdentifier } from './identifier.ts';
import { parseEpcUrn, readEpcUrn } from './epcUrn.ts';
import { parseDigitalLink, readDigitalLink } from './digitalLink.ts';
import { GS } from './testSupport.ts';

// The non-throwing parse must say exactly what the throwing one says: same identifier, or the same
// message, part and reason. Inputs are those of identifier.test.ts, epcUrn.test.ts and
// digitalLink.test.ts, plus URIs that are no GS1 key at all (what an EPCIS document mostly holds
// besides its keys), plus every one-character edit of the valid ones.
const GTIN = '09506000134352';

const VALID = [
  'urn:epc:id:sgtin:0614141.812345.6789',
  'urn:epc:id:sscc:0614141.1234567890',
  'urn:epc:id:sgln:0614141.12345.400',
  'urn:epc:id:sgln:0614141.12345.0',
  'urn:epc:id:sgln:061414112345..0',
  'urn:epc:id:pgln:0614141.12345',
  'urn:epc:class:lgtin:0614141.812345.998877',
  'urn:epc:class:lgtin:0614141.812345.L%2F7',
  'urn:epc:idpat:sgtin:0614141.812345.*',
  'urn:epc:id:sgtin:0614141.812345.A%2F1%25%22%26%3C%3E%3F',
  "urn:epc:id:sgtin:0614141.812345.1.2:3;'(x)*+,-=!_",
  'URN:EPC:ID:SGTIN:0614141.812345.6789',
  'urn:epc:id:sgtin:061414112345.8.1',
  `https://id.gs1.org/01/${GTIN}/10/ABC/21/123?17=270331`,
  `https://example.com/x/01/${GTIN}/10/ABC`,
  `https://example.com/some/prefix/01/${GTIN}/10/ABC/21/123?17=270331&linkType=gs1:pip`,
  `https://id.gs1.org/01/${GTIN}/22/V1/10/L1/21/S1`,
  'https://id.gs1.org/01/9506000134352',
  'https://id.gs1.org/01/036000291452',
  `https://id.gs1.org/01/${GTIN}/21/A%2F1%25`,
  `https://id.gs1.org/01/${GTIN}/21/a%2fb!*'`,
  'https://id.gs1.org/00/106141412345678908',
  'https://id.gs1.org/414/0614141123452/254/400',
  'https://id.gs1.org/417/0614141123452',
  `https://example.com/01/01/${GTIN}/21/9`,
  `https://example.com/gtin/${GTIN}/lot/ABC/ser/123?exp=270331`,
  'https://example.com/gln/0614141123452/glnx/400',
  `https://id.gs1.org/00/106141412345678908?02=${GTIN}&37=24`,
  `  https://id.gs1.org/01/${GTIN}\n`,
  `/01/${GTIN}/21/ABC%2F1`,
  `(01)${GTIN}(21)ABC123(10)LOT1(17)270331`,
  `]d201${GTIN}21ABC123${GS}10LOT1${GS}17270331`,
  `${GS}01${GTIN}21S`,
  `(01)${GTIN}(17)280200(21)S`,
  `(01)${GTIN}(17)270331(10)L`,
  `01${GTIN}17270331`,
  `(00)106141412345678908(02)${GTIN}(37)24`,
  '(414)0614141123452(254)0',
  '(417)0614141123452',
  ' \t urn:epc:id:sgtin:0614141.812345.6789 \n',
];

const INVALID = [
  '',
  '  ',
  'hello',
  `ftp://id.gs1.org/01/${GTIN}`,
  '(10)LOT1',
  '(21)S1',
  '(414)0614141123452(417)0614141123452',
  'urn:epc:id:grai:0614141.12345.400',
  'urn:epc:id:giai:0614141.12345400',
  'urn:epc:tag:sgtin-96:3.0614141.812345.6789',
  `(01)09506000134353(21)1`,
  `https://id.gs1.org/01/${GTIN}/21/1/10/L`,
  `(01)${GTIN}(21)A B`,
  'urn:epc:id:sgtin:61414.81234567.1',
  'urn:epc:id:sgln:0614141123452..0',
  'urn:epc:id:sgtin:06141A1.812345.1',
  'urn:epc:id:sgtin:0614141.81234.1',
  'urn:epc:id:sscc:0614141.123456789',
  'urn:epc:id:sgln:0614141.1234.0',
  'urn:epc:id:pgln:0614141.123456',
  'urn:epc:id:pgln:0614141.12345.0',
  'urn:epc:id:sgtin:0614141.812345',
  'urn:epc:id:sgtin:0614141.812345.A/1',
  'urn:epc:id:sgtin:0614141.812345.A%2',
  'urn:epc:id:sgtin:0614141.812345.A%23',
  'urn:epc:id:sgtin:0614141.812345.',
  `urn:epc:id:sgtin:0614141.812345.${'9'.repeat(21)}`,
  'urn:epc:class:lgtin:0614141.812345.L 1',
  'urn:epc:idpat:sgtin:0614141.812345.6789',
  'urn:epc:idpat:sgtin:0614141.*.*',
  'urn:epc',
  'urn:epc:',
  `https://id.gs1.org/01/${GTIN}/21/123/10/ABC`,
  `https://id.gs1.org/01/${GTIN}/10/L/22/V`,
  `https://id.gs1.org/01/${GTIN}/10/A/10/B`,
  `https://id.gs1.org/01/${GTIN}/254/1`,
  `https://id.gs1.org/01/${GTIN}/17/270331`,
  'https://id.gs1.org/00/106141412345678908/21/1',
  `https://id.gs1.org/01/${GTIN}/00/106141412345678908`,
  `https://id.gs1.org/01/${GTIN}?21=123`,
  'https://example.com/products/123',
  `https://id.gs1.org/01/${GTIN}/21`,
  'https://id.gs1.org/01/09506000134353/21/1',
  `https://id.gs1.org/01/${GTIN}/21/A%ZZ`,
  `https://id.gs1.org/01/${GTIN}/21/A%23B`,
  `https://id.gs1.org/01/${GTIN}/21/1?17=271301`,
  `https://id.gs1.org/01/${GTIN}/21/1?17=270331&17=270430`,
  'https://',
  'http:///01/09506000134352',
  '/',
  '/products/123',
  // Not GS1 keys: what the EPCIS documents name besides their keys.
  'urn:uuid:41000000-3000-5000-a000-000000000972',
  'urn:tracefed:rx:4100000030000:00005890',
  'urn:epcglobal:cbv:bt:4000101000004:INV-00000208',
  'https://ns.tracefed.org/epcis/btt/prescription',
  'https://ref.gs1.org/cbv/BizStep-shipping',
  'urn:epcglobal:cbv:bizstep:shipping',
];

/** What parseIdentifier does with an input: the identifier, or the error's message, part and reason. */
function thrown(input: string): unknown {
  try {
    return { ok: true, value: parseIdentifier(input) };
  } catch (error) {
    if (!(error instanceof Gs1Error)) throw error;
    return { ok: false, message: error.message, part: error.part, reason: error.reason };
  }
}

/** The same, from tryParseIdentifier (the message read through its getter when it is lazy). */
function returned(input: string): unknown {
  const result = tryParseIdentifier(input);
  return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.message, part: result.part, reason: result.reason };
}

/** Every input that differs from `input` by one deleted, replaced or inserted character. */
function edits(input: string): string[] {
  const out: string[] = [];
  const alphabet = ['0', 'a', '.', '/', '%', ' '];
  for (let i = 0; i < input.length; i++) {
    out.push(input.slice(0, i) + input.slice(i + 1));
    for (const c of alphabet) out.push(input.slice(0, i) + c + input.slice(i + 1), input.slice(0, i) + c + input.slice(i));
  }
  return out;
}

describe('tryParseIdentifier', () => {
  it.each(VALID)('parses %j as parseIdentifier does', (input) => {
    const result = tryParseIdentifier(input);
    expect(result).toEqual({ ok: true, value: parseIdentifier(input) });
  });

  it.each(INVALID)('fails on %j with the message, part and reason parseIdentifier throws', (input) => {
    const result = returned(input);
    expect(result).toMatchObject({ ok: false });
    expect(result).toEqual(thrown(input));
  });

  it('agrees with parseIdentifier on every one-character edit of the valid inputs', () => {
    let failures = 0;
    let checked = 0;
    const disagreements: string[] = [];
    for (const input of VALID) {
      for (const edited of edits(input)) {
        const expected = thrown(edited);
        if (!isDeepStrictEqual(returned(edited), expected)) disagreements.push(edited);
        if (!(expected as { ok: boolean }).ok) failures += 1;
        checked += 1;
      }
    }
    expect(disagreements).toEqual([]);
    // The edits reach both outcomes in numbers, so the comparison above covers failures and successes.
    expect(failures).toBeGreaterThan(checked / 4);
    expect(checked - failures).toBeGreaterThan(checked / 20);
  });

  it('does not throw for values that are not GS1 keys, whatever their form', () => {
    for (const input of INVALID) expect(() => tryParseIdentifier(input)).not.toThrow();
  });

  it('returns a failure whose message is a sentence naming the value, like the error', () => {
    const result = tryParseIdentifier('urn:uuid:41000000-3000-5000-a000-000000000972');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.part).toBe('identifier');
    expect(result.reason).toBe('syntax');
    expect(result.message).toContain('"urn:uuid:41000000-3000-5000-a000-000000000972"');
    expect(result.message).toMatch(/[.]$/);
  });
});

describe('tryCanonicalKey', () => {
  it.each(VALID)('gives %j the key canonicalKey gives it, and the identifier', (input) => {
    expect(tryCanonicalKey(input)).toEqual({ ok: true, value: { key: toCanonicalKey(input), id: parseIdentifier(input) } });
  });

  it('gives the same key as canonicalKey(parseIdentifier(…)) for every valid one-character edit', () => {
    const disagreements: string[] = [];
    for (const input of VALID) {
      for (const edited of edits(input)) {
        const result = tryCanonicalKey(edited);
        const agrees = result.ok
          ? result.value.key === canonicalKey(parseIdentifier(edited))
          : isDeepStrictEqual({ ok: false, message: result.message, part: result.part, reason: result.reason }, thrown(edited));
        if (!agrees) disagreements.push(edited);
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('readEpcUrn and readDigitalLink', () => {
  it('fail without throwing on URNs and URIs that name no supported key, as parseEpcUrn and parseDigitalLink throw', () => {
    for (const urn of ['urn:epc:id:giai:0614141.12345400', 'urn:epc:tag:sgtin-96:3.0614141.812345.6789', 'urn:epc:']) {
      const result = readEpcUrn(urn);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(() => parseEpcUrn(urn)).toThrow(result.message);
    }
    for (const uri of ['https://example.com/products/123', 'ftp://id.gs1.org/01/09506000134352', 'https://ns.tracefed.org/epcis/btt/prescription']) {
      const result = readDigitalLink(uri);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(() => parseDigitalLink(uri)).toThrow(result.message);
    }
  });
});
