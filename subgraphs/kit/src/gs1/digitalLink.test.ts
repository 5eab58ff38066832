import { describe, it, expect } from 'vitest';
import { encodeDigitalLinkValue, formatDigitalLink, parseDigitalLink, parseDigitalLinkParts } from './digitalLink.ts';
import type { AiValue } from './elementString.ts';
import { expectGs1Error } from './testSupport.ts';

// 09506000134352 is the example GTIN used throughout the GS1 Digital Link
// standard, whose examples have the shape
// https://id.gs1.org/01/09506000134352/10/ABC/21/123?17=270331.
const GTIN = '09506000134352';
const ai = (code: string, value: string): AiValue => ({ ai: code, value });

describe('parseDigitalLink', () => {
  it.each([
    {
      name: 'GS1 resolver, GTIN + lot + serial',
      uri: `https://id.gs1.org/01/${GTIN}/10/ABC/21/123`,
      expected: [ai('01', GTIN), ai('10', 'ABC'), ai('21', '123')],
    },
    {
      name: 'custom host with path prefix, query AI and linkType',
      uri: `https://example.com/some/prefix/01/${GTIN}/10/ABC/21/123?17=270331&linkType=gs1:pip`,
      expected: [ai('01', GTIN), ai('10', 'ABC'), ai('21', '123'), ai('17', '270331')],
    },
    {
      name: 'all three GTIN qualifiers in order 22, 10, 21',
      uri: `https://id.gs1.org/01/${GTIN}/22/V1/10/L1/21/S1`,
      expected: [ai('01', GTIN), ai('22', 'V1'), ai('10', 'L1'), ai('21', 'S1')],
    },
    { name: 'GTIN only', uri: `https://id.gs1.org/01/${GTIN}`, expected: [ai('01', GTIN)] },
    { name: 'GTIN-13 is padded to 14', uri: 'https://id.gs1.org/01/9506000134352', expected: [ai('01', GTIN)] },
    { name: 'GTIN-12 is padded to 14', uri: 'https://id.gs1.org/01/036000291452', expected: [ai('01', '00036000291452')] },
    {
      name: 'percent-decoding of / and %',
      uri: `https://id.gs1.org/01/${GTIN}/21/A%2F1%25`,
      expected: [ai('01', GTIN), ai('21', 'A/1%')],
    },
    {
      name: 'lower-case hex escapes and unescaped sub-delims',
      uri: `https://id.gs1.org/01/${GTIN}/21/a%2fb!*'`,
      expected: [ai('01', GTIN), ai('21', "a/b!*'")],
    },
    {
      name: 'SSCC (EPC TDS example 106141412345678908)',
      uri: 'https://id.gs1.org/00/106141412345678908',
      expected: [ai('00', '106141412345678908')],
    },
    {
      name: 'location GLN with extension',
      uri: 'https://id.gs1.org/414/0614141123452/254/400',
      expected: [ai('414', '0614141123452'), ai('254', '400')],
    },
    { name: 'party GLN', uri: 'https://id.gs1.org/417/0614141123452', expected: [ai('417', '0614141123452')] },
    {
      name: 'query AIs are sorted, non-AI and unknown AI params ignored',
      uri: `http://example.org/01/${GTIN}/21/9?linkType=all&17=270331&99=internal&11=250101&context=x`,
      expected: [ai('01', GTIN), ai('21', '9'), ai('11', '250101'), ai('17', '270331')],
    },
    {
      name: 'upper-case scheme, trailing slash and fragment',
      uri: `HTTPS://id.gs1.org/01/${GTIN}/21/9/#top`,
      expected: [ai('01', GTIN), ai('21', '9')],
    },
    {
      name: 'path prefix that itself looks like an AI',
      uri: `https://example.com/01/01/${GTIN}/21/9`,
      expected: [ai('01', GTIN), ai('21', '9')],
    },
    {
      name: 'GS1 Digital Link 1.0 short names',
      uri: `https://example.com/gtin/${GTIN}/lot/ABC/ser/123?exp=270331`,
      expected: [ai('01', GTIN), ai('10', 'ABC'), ai('21', '123'), ai('17', '270331')],
    },
    {
      name: 'short names for GLN and extension',
      uri: 'https://example.com/gln/0614141123452/glnx/400',
      expected: [ai('414', '0614141123452'), ai('254', '400')],
    },
    {
      name: 'day-00 expiry in the query',
      uri: `https://id.gs1.org/01/${GTIN}/21/9?17=270300`,
      expected: [ai('01', GTIN), ai('21', '9'), ai('17', '270300')],
    },
    {
      name: 'surrounding whitespace',
      uri: `  https://id.gs1.org/01/${GTIN}\n`,
      expected: [ai('01', GTIN)],
    },
  ])('$name', ({ uri, expected }) => {
    expect(parseDigitalLink(uri)).toEqual(expected);
  });

  it.each([
    {
      name: 'wrong qualifier order (21 before 10)',
      uri: `https://id.gs1.org/01/${GTIN}/21/123/10/ABC`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['lot (AI 10)', 'out of order', '22, 10, 21'],
    },
    {
      name: 'wrong qualifier order (10 before 22)',
      uri: `https://id.gs1.org/01/${GTIN}/10/L/22/V`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['consumer product variant (AI 22)', 'out of order'],
    },
    {
      name: 'repeated qualifier',
      uri: `https://id.gs1.org/01/${GTIN}/10/A/10/B`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['lot (AI 10)'],
    },
    {
      name: 'qualifier of another key',
      uri: `https://id.gs1.org/01/${GTIN}/254/1`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['GLN extension (AI 254)', 'not a key qualifier'],
    },
    {
      name: 'data attribute in the path',
      uri: `https://id.gs1.org/01/${GTIN}/17/270331`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['expiry date (AI 17)', 'query string'],
    },
    {
      name: 'qualifier on a key without qualifiers',
      uri: 'https://id.gs1.org/00/106141412345678908/21/1',
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['serial (AI 21)'],
    },
    {
      name: 'second primary key in the path',
      uri: `https://id.gs1.org/01/${GTIN}/00/106141412345678908`,
      part: 'Digital Link path',
      reason: 'qualifier-order',
      mentions: ['only one primary key'],
    },
    {
      name: 'key qualifier in the query string',
      uri: `https://id.gs1.org/01/${GTIN}?21=123`,
      part: 'Digital Link query string',
      reason: 'qualifier-order',
      mentions: ['serial (AI 21)', 'must be in the path'],
    },
    {
      name: 'no primary key',
      uri: 'https://example.com/products/123',
      part: 'Digital Link path',
      reason: 'missing-key',
      mentions: ['"/products/123"'],
    },
    {
      name: 'AI without a value',
      uri: `https://id.gs1.org/01/${GTIN}/21`,
      part: 'Digital Link path',
      reason: 'missing-key',
      mentions: [`"/01/${GTIN}/21"`],
    },
    {
      name: 'not an http(s) URI',
      uri: `ftp://id.gs1.org/01/${GTIN}`,
      part: 'Digital Link URI',
      reason: 'syntax',
      mentions: ['ftp://'],
    },
    {
      name: 'missing scheme',
      uri: `id.gs1.org/01/${GTIN}`,
      part: 'Digital Link URI',
      reason: 'syntax',
    },
    {
      name: 'bad GTIN check digit in the path',
      uri: 'https://id.gs1.org/01/09506000134353/21/1',
      part: 'AI (01) GTIN',
      reason: 'check-digit',
      mentions: ['"09506000134353"', 'expected 2'],
    },
    {
      name: 'malformed percent-escape',
      uri: `https://id.gs1.org/01/${GTIN}/21/A%ZZ`,
      part: 'serial (AI 21)',
      reason: 'escape',
      mentions: ['"A%ZZ"'],
    },
    {
      name: 'CSET 82 violation hidden in an escape',
      uri: `https://id.gs1.org/01/${GTIN}/21/A%23B`,
      part: 'serial (AI 21)',
      reason: 'charset',
      mentions: ['"A#B"', '"#" at position 2'],
    },
    {
      name: 'invalid expiry in the query',
      uri: `https://id.gs1.org/01/${GTIN}/21/1?17=271301`,
      part: 'expiry date (AI 17)',
      reason: 'date',
      mentions: ['"271301"'],
    },
    {
      name: 'query AI repeated with different values',
      uri: `https://id.gs1.org/01/${GTIN}/21/1?17=270331&17=270430`,
      part: 'expiry date (AI 17)',
      reason: 'duplicate-ai',
      mentions: ['"270331"', '"270430"'],
    },
  ])('rejects $name', ({ uri, part, reason, mentions }) => {
    expectGs1Error(() => parseDigitalLink(uri), { part, reason, mentions: mentions ?? [] });
  });

  it('parses a host-less path and query', () => {
    expect(parseDigitalLinkParts(`/01/${GTIN}/21/A%2F1`, '17=270331')).toEqual([
      ai('01', GTIN),
      ai('21', 'A/1'),
      ai('17', '270331'),
    ]);
  });
});

describe('encodeDigitalLinkValue', () => {
  it.each([
    { value: 'ABC-123_x.y~', encoded: 'ABC-123_x.y~' },
    { value: 'A/1%', encoded: 'A%2F1%25' },
    { value: '!"&\'()*+,', encoded: '%21%22%26%27%28%29%2A%2B%2C' },
    { value: ':;<=>?', encoded: '%3A%3B%3C%3D%3E%3F' },
  ])('$value -> $encoded', ({ value, encoded }) => {
    expect(encodeDigitalLinkValue(value)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(value);
  });
});

describe('formatDigitalLink', () => {
  it.each([
    {
      name: 'canonical path order and sorted query',
      ais: [ai('17', '270331'), ai('21', '123'), ai('11', '250101'), ai('10', 'ABC'), ai('01', GTIN), ai('22', 'V')],
      host: undefined,
      uri: `https://id.gs1.org/01/${GTIN}/22/V/10/ABC/21/123?11=250101&17=270331`,
    },
    {
      name: 'percent-encodes everything but unreserved characters',
      ais: [ai('01', GTIN), ai('21', "A/1%(x)*!'")],
      host: undefined,
      uri: `https://id.gs1.org/01/${GTIN}/21/A%2F1%25%28x%29%2A%21%27`,
    },
    {
      name: 'custom host with prefix and trailing slash',
      ais: [ai('01', GTIN)],
      host: 'https://example.com/dl/',
      uri: `https://example.com/dl/01/${GTIN}`,
    },
    {
      name: 'GTIN-13 is written as GTIN-14',
      ais: [ai('01', '9506000134352'), ai('10', 'L')],
      host: undefined,
      uri: `https://id.gs1.org/01/${GTIN}/10/L`,
    },
    {
      name: 'SSCC with content and count in the query',
      ais: [ai('00', '106141412345678908'), ai('37', '24'), ai('02', GTIN)],
      host: undefined,
      uri: `https://id.gs1.org/00/106141412345678908?02=${GTIN}&37=24`,
    },
    {
      name: 'GLN with extension',
      ais: [ai('254', '4/0'), ai('414', '0614141123452')],
      host: 'http://example.org',
      uri: 'http://example.org/414/0614141123452/254/4%2F0',
    },
    {
      name: 'party GLN',
      ais: [ai('417', '0614141123452')],
      host: undefined,
      uri: 'https://id.gs1.org/417/0614141123452',
    },
  ])('$name', ({ ais, host, uri }) => {
    expect(formatDigitalLink(ais, host)).toBe(uri);
    // and back: same AIs (GTIN normalised, path first, query sorted)
    const back = parseDigitalLink(uri);
    expect(formatDigitalLink(back, host)).toBe(uri);
  });

  it.each([
    { name: 'no primary key', ais: [ai('10', 'L')], host: undefined, part: 'Digital Link path', reason: 'missing-key' },
    {
      name: 'two primary keys',
      ais: [ai('01', GTIN), ai('00', '106141412345678908')],
      host: undefined,
      part: 'Digital Link path',
      reason: 'ambiguous-key',
    },
    { name: 'bad host', ais: [ai('01', GTIN)], host: 'ftp://example.com', part: 'Digital Link host', reason: 'syntax' },
    { name: 'host with query', ais: [ai('01', GTIN)], host: 'https://example.com/?a=1', part: 'Digital Link host', reason: 'syntax' },
    {
      name: 'conflicting duplicate',
      ais: [ai('01', GTIN), ai('21', 'A'), ai('21', 'B')],
      host: undefined,
      part: 'serial (AI 21)',
      reason: 'duplicate-ai',
    },
    { name: 'bad check digit', ais: [ai('01', '09506000134353')], host: undefined, part: 'AI (01) GTIN', reason: 'check-digit' },
    { name: 'unknown AI', ais: [ai('01', GTIN), ai('99', 'x')], host: undefined, part: 'Digital Link AI', reason: 'unknown-ai' },
  ])('rejects $name', ({ ais, host, part, reason }) => {
    expectGs1Error(() => formatDigitalLink(ais, host), { part, reason });
  });
});
