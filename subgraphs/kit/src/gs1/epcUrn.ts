/**
 * EPC pure identity URNs, class URNs and ID patterns for the GS1 keys used in
 * medicines traceability (GS1 EPC Tag Data Standard 2.x §6 "EPC URI", with
 * the EPC class (LGTIN) and ID pattern URIs of the same standard):
 *
 *   urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial
 *   urn:epc:id:sscc:CompanyPrefix.ExtensionSerialRef
 *   urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension   ("0" = no extension)
 *   urn:epc:id:pgln:CompanyPrefix.PartyRef
 *   urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot
 *   urn:epc:idpat:sgtin:CompanyPrefix.IndicatorItemRef.*
 *
 * Turning a URN into a GTIN / SSCC / GLN needs no company prefix table: the
 * digits are re-ordered and the check digit is computed. Turning a key into a
 * URN needs the GS1 Company Prefix length, which callers pass in.
 */
import { Gs1Error, assertDigits, gs1Failure, quote, unwrapGs1, type Gs1Result } from './errors.ts';
import { assertGln, assertGtin, assertSscc, computeCheckDigit } from './checkDigit.ts';
import { validateAiValue } from './ai.ts';

export type EpcUrn =
  | { scheme: 'sgtin'; companyPrefix: string; gtin: string; serial: string }
  | { scheme: 'sscc'; companyPrefix: string; sscc: string }
  | { scheme: 'sgln'; companyPrefix: string; gln: string; extension: string }
  | { scheme: 'pgln'; companyPrefix: string; gln: string }
  | { scheme: 'lgtin'; companyPrefix: string; gtin: string; lot: string }
  | { scheme: 'idpat-sgtin'; companyPrefix: string; gtin: string };

const URN_PART = 'EPC URN';
const CP_PART = 'EPC URN company prefix';

/**
 * Characters of CSET 82 that must be %-escaped inside an EPC URN component
 * (EPC Tag Data Standard, table of GS1 AI encodable character set 82 and its
 * URI form): " % & / < > ?
 */
const MUST_ESCAPE = new Set(['"', '%', '&', '/', '<', '>', '?']);

/** A component holding a % escape or a character of MUST_ESCAPE, which unescapeEpcComponent must look at. */
const NEEDS_UNESCAPE = /["%&/<>?]/;

/** Escape a (CSET 82) serial, lot or extension for use in an EPC URN. */
export function escapeEpcComponent(value: string): string {
  let out = '';
  for (const ch of value) {
    out += MUST_ESCAPE.has(ch) ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

/** Undo EPC URN %HH escaping; rejects malformed escapes and characters that should have been escaped. */
export function unescapeEpcComponent(raw: string, part: string): string {
  if (!NEEDS_UNESCAPE.test(raw)) return raw; // the usual case: nothing escaped, nothing to reject
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new Gs1Error(
          `${part} ${quote(raw)} in an EPC URN has a malformed escape at position ${i + 1}; expected "%" followed by two hex digits (e.g. %2F for "/").`,
          part,
          'escape',
        );
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (MUST_ESCAPE.has(ch)) {
      throw new Gs1Error(
        `${part} ${quote(raw)} in an EPC URN contains ${quote(ch)} at position ${i + 1}; in a URN it must be written as %${ch.charCodeAt(0).toString(16).toUpperCase()}.`,
        part,
        'escape',
      );
    } else {
      out += ch;
    }
  }
  return out;
}

function assertCompanyPrefixLength(cpl: number): void {
  if (!Number.isInteger(cpl) || cpl < 6 || cpl > 12) {
    throw new Gs1Error(
      `${CP_PART} length ${cpl} is not valid; expected a whole number of digits from 6 to 12.`,
      CP_PART,
      'company-prefix',
    );
  }
}

function checkCompanyPrefix(cp: string, urn: string): void {
  assertDigits(cp, CP_PART, 'a GS1 Company Prefix of 6 to 12 digits');
  if (cp.length < 6 || cp.length > 12) {
    throw new Gs1Error(
      `${CP_PART} ${quote(cp)} in ${quote(urn)} has ${cp.length} digits; expected 6 to 12 digits.`,
      CP_PART,
      'company-prefix',
    );
  }
}

/** The digits after the company prefix must make up `total` digits together with it. */
function checkReference(ref: string, cp: string, total: number, part: string, urn: string): void {
  const expected = total - cp.length;
  if (ref.length > 0) assertDigits(ref, part, `${expected} digits`);
  if (ref.length !== expected) {
    throw new Gs1Error(
      `${part} ${quote(ref)} in ${quote(urn)} has ${ref.length} digits; with the ${cp.length}-digit company prefix ${cp} it must have ${expected} (${total} digits in total).`,
      part,
      'length',
    );
  }
}

/** Split "a.b.rest" into exactly `count` components; the last may contain dots when `restMayHaveDots`. */
function components(body: string, count: number, restMayHaveDots: boolean, urn: string, shape: string): string[] {
  // The well-formed cases by position, without splitting the whole body (the last component of an
  // SGTIN may hold dots of its own); anything else takes the general path below, which explains.
  const first = body.indexOf('.');
  if (first >= 0) {
    const second = body.indexOf('.', first + 1);
    if (count === 2 && second < 0) return [body.slice(0, first), body.slice(first + 1)];
    if (count === 3 && second >= 0 && (restMayHaveDots || body.indexOf('.', second + 1) < 0)) {
      return [body.slice(0, first), body.slice(first + 1, second), body.slice(second + 1)];
    }
  }
  const parts = body.split('.');
  if (restMayHaveDots && parts.length > count) {
    parts.splice(count - 1, parts.length, parts.slice(count - 1).join('.'));
  }
  if (parts.length !== count) {
    throw new Gs1Error(
      `EPC URN ${quote(urn)} has ${parts.length} dot-separated component${parts.length === 1 ? '' : 's'}; expected ${shape}.`,
      URN_PART,
      'syntax',
    );
  }
  return parts;
}

const SUPPORTED =
  'urn:epc:id:sgtin, urn:epc:id:sscc, urn:epc:id:sgln, urn:epc:id:pgln, urn:epc:class:lgtin and urn:epc:idpat:sgtin';

const EPC_URN_SHAPE = /^urn:epc:([a-z]+):([a-z0-9-]+):(.*)$/i;

/** Parse one of the supported EPC URNs (see module comment). */
export function parseEpcUrn(urn: string): EpcUrn {
  return unwrapGs1(readEpcUrn(urn));
}

/**
 * parseEpcUrn's body. A URN that is not one of the supported kinds at all (no scheme, or a scheme
 * such as giai or grai that names no GS1 key handled here) is returned as a failure; a supported URN
 * with a malformed part still throws, which is rare enough not to matter for speed.
 */
export function readEpcUrn(urn: string): Gs1Result<EpcUrn> {
  const text = urn.trim();
  const m = EPC_URN_SHAPE.exec(text);
  if (!m) {
    return gs1Failure(
      () => `EPC URN ${quote(text)} does not have the form urn:epc:{id|class|idpat}:{scheme}:{components}; supported are ${SUPPORTED}.`,
      URN_PART,
      'syntax',
    );
  }
  const kind = `${(m[1] ?? '').toLowerCase()}:${(m[2] ?? '').toLowerCase()}`;
  const body = m[3] ?? '';
  switch (kind) {
    case 'id:sgtin':
    case 'class:lgtin':
    case 'idpat:sgtin': {
      const shape =
        kind === 'id:sgtin'
          ? 'CompanyPrefix.IndicatorItemRef.Serial'
          : kind === 'class:lgtin'
            ? 'CompanyPrefix.IndicatorItemRef.Lot'
            : 'CompanyPrefix.IndicatorItemRef.*';
      const [cp = '', ir = '', last = ''] = components(body, 3, true, text, shape);
      checkCompanyPrefix(cp, text);
      checkReference(ir, cp, 13, 'EPC URN indicator and item reference', text);
      const digits = ir.charAt(0) + cp + ir.slice(1);
      const gtin = digits + computeCheckDigit(digits);
      if (kind === 'idpat:sgtin') {
        if (last !== '*') {
          throw new Gs1Error(
            `EPC ID pattern ${quote(text)} ends in ${quote(last)}; only patterns for all serials of one GTIN (CompanyPrefix.IndicatorItemRef.*) are supported.`,
            'EPC URN serial pattern',
            'unsupported',
          );
        }
        return { ok: true, value: { scheme: 'idpat-sgtin', companyPrefix: cp, gtin } };
      }
      if (kind === 'id:sgtin') {
        const serial = validateAiValue('21', unescapeEpcComponent(last, 'serial (AI 21)'));
        return { ok: true, value: { scheme: 'sgtin', companyPrefix: cp, gtin, serial } };
      }
      const lot = validateAiValue('10', unescapeEpcComponent(last, 'lot (AI 10)'));
      return { ok: true, value: { scheme: 'lgtin', companyPrefix: cp, gtin, lot } };
    }
    case 'id:sscc': {
      const [cp = '', sr = ''] = components(body, 2, false, text, 'CompanyPrefix.SerialReference');
      checkCompanyPrefix(cp, text);
      checkReference(sr, cp, 17, 'EPC URN serial reference', text);
      const digits = sr.charAt(0) + cp + sr.slice(1);
      return { ok: true, value: { scheme: 'sscc', companyPrefix: cp, sscc: digits + computeCheckDigit(digits) } };
    }
    case 'id:sgln': {
      const [cp = '', lr = '', ext = ''] = components(body, 3, true, text, 'CompanyPrefix.LocationReference.Extension');
      checkCompanyPrefix(cp, text);
      checkReference(lr, cp, 12, 'EPC URN location reference', text);
      const digits = cp + lr;
      const extension = validateAiValue('254', unescapeEpcComponent(ext, 'GLN extension (AI 254)'));
      return { ok: true, value: { scheme: 'sgln', companyPrefix: cp, gln: digits + computeCheckDigit(digits), extension } };
    }
    case 'id:pgln': {
      const [cp = '', pr = ''] = components(body, 2, false, text, 'CompanyPrefix.PartyReference');
      checkCompanyPrefix(cp, text);
      checkReference(pr, cp, 12, 'EPC URN party reference', text);
      const digits = cp + pr;
      return { ok: true, value: { scheme: 'pgln', companyPrefix: cp, gln: digits + computeCheckDigit(digits) } };
    }
    default:
      return gs1Failure(
        () => `EPC URN scheme ${quote(`urn:epc:${m[1]}:${m[2]}`)} in ${quote(text)} is not supported; supported are ${SUPPORTED}.`,
        'EPC URN scheme',
        'unsupported',
      );
  }
}

/** Company prefix and "indicator + item reference" of a GTIN-14. */
function splitGtin(gtin14: string, cpl: number): { gtin: string; cp: string; ir: string } {
  const gtin = assertGtin(gtin14);
  assertCompanyPrefixLength(cpl);
  return { gtin, cp: gtin.slice(1, 1 + cpl), ir: gtin.charAt(0) + gtin.slice(1 + cpl, 13) };
}

/** urn:epc:id:sgtin:… for a GTIN (8/12/13/14 digits) and serial (AI 21). */
export function formatSgtinUrn(gtin14: string, serial: string, companyPrefixLength: number): string {
  const { cp, ir } = splitGtin(gtin14, companyPrefixLength);
  validateAiValue('21', serial);
  return `urn:epc:id:sgtin:${cp}.${ir}.${escapeEpcComponent(serial)}`;
}

/** urn:epc:class:lgtin:… for a GTIN and lot (AI 10). */
export function formatLgtinUrn(gtin14: string, lot: string, companyPrefixLength: number): string {
  const { cp, ir } = splitGtin(gtin14, companyPrefixLength);
  validateAiValue('10', lot);
  return `urn:epc:class:lgtin:${cp}.${ir}.${escapeEpcComponent(lot)}`;
}

/** urn:epc:idpat:sgtin:CompanyPrefix.IndicatorItemRef.* matching every serial of a GTIN. */
export function formatIdpatSgtinUrn(gtin14: string, companyPrefixLength: number): string {
  const { cp, ir } = splitGtin(gtin14, companyPrefixLength);
  return `urn:epc:idpat:sgtin:${cp}.${ir}.*`;
}

/** urn:epc:id:sscc:… for an 18-digit SSCC. */
export function formatSsccUrn(sscc: string, companyPrefixLength: number): string {
  const value = assertSscc(sscc);
  assertCompanyPrefixLength(companyPrefixLength);
  const cp = value.slice(1, 1 + companyPrefixLength);
  return `urn:epc:id:sscc:${cp}.${value.charAt(0)}${value.slice(1 + companyPrefixLength, 17)}`;
}

/** urn:epc:id:sgln:… for a GLN and optional extension (AI 254); "0" stands for no extension. */
export function formatSglnUrn(gln: string, extension: string | undefined, companyPrefixLength: number): string {
  const value = assertGln(gln);
  assertCompanyPrefixLength(companyPrefixLength);
  const ext = extension === undefined || extension === '' ? '0' : validateAiValue('254', extension);
  return `urn:epc:id:sgln:${value.slice(0, companyPrefixLength)}.${value.slice(companyPrefixLength, 12)}.${escapeEpcComponent(ext)}`;
}

/** urn:epc:id:pgln:… for a party GLN (AI 417). */
export function formatPglnUrn(gln: string, companyPrefixLength: number): string {
  const value = assertGln(gln);
  assertCompanyPrefixLength(companyPrefixLength);
  return `urn:epc:id:pgln:${value.slice(0, companyPrefixLength)}.${value.slice(companyPrefixLength, 12)}`;
}
