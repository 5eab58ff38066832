/**
 * One entry point for GS1 identifiers in any of the three notations used in
 * medicines traceability (EPC URN, GS1 Digital Link URI, GS1 element string),
 * and the canonical string key used to store them.
 *
 * The canonical key is the GS1 Digital Link path without host, with the
 * Digital Link percent-encoding (everything but A-Z a-z 0-9 - . _ ~ encoded):
 *   sgtin  /01/{gtin14}/21/{serial}          (lot and expiry are not part of a unit's key)
 *   lgtin  /01/{gtin14}/10/{lot}
 *   gtin   /01/{gtin14}
 *   sscc   /00/{sscc}
 *   sgln   /414/{gln}[/254/{extension}]     (extension "0" means none)
 *   pgln   /417/{gln}
 */
import { Gs1Error, quote } from './errors.ts';
import { assertGln, assertGtin, assertSscc } from './checkDigit.ts';
import { formatAiDate, parseAiDate, validateAiValue } from './ai.ts';
import { parseElementString } from './elementString.ts';
import type { AiValue } from './elementString.ts';
import { encodeDigitalLinkValue, formatDigitalLink, parseDigitalLink, parseDigitalLinkParts } from './digitalLink.ts';
import {
  formatIdpatSgtinUrn,
  formatLgtinUrn,
  formatPglnUrn,
  formatSglnUrn,
  formatSgtinUrn,
  formatSsccUrn,
  parseEpcUrn,
} from './epcUrn.ts';

export type Gs1Identifier =
  | { kind: 'sgtin'; gtin: string; serial: string; lot?: string; expiry?: string /* ISO date */ }
  | { kind: 'lgtin'; gtin: string; lot: string }
  | { kind: 'gtin'; gtin: string } // product class (idpat sgtin, or DL / element string with only 01)
  | { kind: 'sscc'; sscc: string }
  | { kind: 'sgln'; gln: string; extension?: string }
  | { kind: 'pgln'; gln: string };

/** A serialized unit: GTIN + serial, with lot and expiry when the source carried them. */
export interface UnitCode {
  gtin: string;
  serial: string;
  lot?: string;
  expiry?: string;
}

const ID_PART = 'identifier';
const ACCEPTED_FORMS =
  'an EPC URN (e.g. urn:epc:id:sgtin:0614141.812345.6789), a GS1 Digital Link URI (e.g. https://id.gs1.org/01/09506000134352/21/123) or a GS1 element string (e.g. (01)09506000134352(21)123, or raw scanner data starting with ]d2 or digits)';
const ACCEPTED_KEYS = 'GTIN (AI 01, with serial 21 and/or lot 10), SSCC (AI 00), location GLN (AI 414, with extension 254) or party GLN (AI 417)';

function withExtension(gln: string, extension: string | undefined): Gs1Identifier {
  return extension === undefined || extension === '0' ? { kind: 'sgln', gln } : { kind: 'sgln', gln, extension };
}

/**
 * Classify the AIs of a Digital Link or element string. An SSCC (AI 00) wins
 * over everything else (a logistic label may also carry 02/37 or even 01);
 * otherwise exactly one of 01, 414, 417 must be present.
 */
function fromAis(ais: readonly AiValue[], form: string, input: string): Gs1Identifier {
  const values = new Map(ais.map(({ ai, value }) => [ai, value]));
  const sscc = values.get('00');
  if (sscc !== undefined) return { kind: 'sscc', sscc };
  const keys = ['01', '414', '417'].filter((k) => values.has(k));
  if (keys.length > 1) {
    throw new Gs1Error(
      `${form} ${quote(input)} carries more than one GS1 key (AIs ${keys.join(', ')}); expected exactly one ${ACCEPTED_KEYS}.`,
      ID_PART,
      'ambiguous-key',
    );
  }
  const gtin = values.get('01');
  if (gtin !== undefined) {
    const serial = values.get('21');
    const lot = values.get('10');
    if (serial !== undefined) {
      const expiry = values.get('17');
      return {
        kind: 'sgtin',
        gtin,
        serial,
        ...(lot !== undefined ? { lot } : {}),
        ...(expiry !== undefined ? { expiry: parseAiDate(expiry, 'expiry date (AI 17)') } : {}),
      };
    }
    if (lot !== undefined) return { kind: 'lgtin', gtin, lot };
    return { kind: 'gtin', gtin };
  }
  const gln = values.get('414');
  if (gln !== undefined) return withExtension(gln, values.get('254'));
  const party = values.get('417');
  if (party !== undefined) return { kind: 'pgln', gln: party };
  const found = [...values.keys()].join(', ');
  const hint = values.has('21') ? ' A serial (AI 21) identifies a unit only together with its GTIN (AI 01).' : '';
  throw new Gs1Error(
    `${form} ${quote(input)} carries no supported GS1 key (found AIs ${found}); expected ${ACCEPTED_KEYS}.${hint}`,
    ID_PART,
    'missing-key',
  );
}

/**
 * Parse an identifier in any supported form: EPC URN (`urn:epc:`), GS1 Digital
 * Link URI (`http://` / `https://`), canonical key / Digital Link path
 * (starting with `/`), or GS1 element string (starting with `(`, `]`, a digit
 * or GS). Surrounding whitespace is ignored.
 */
export function parseIdentifier(input: string): Gs1Identifier {
  const text = input.trim();
  if (text.length === 0) {
    throw new Gs1Error(`Identifier is empty; expected ${ACCEPTED_FORMS}.`, ID_PART, 'empty');
  }
  if (/^urn:epc:/i.test(text)) {
    const urn = parseEpcUrn(text);
    switch (urn.scheme) {
      case 'sgtin':
        return { kind: 'sgtin', gtin: urn.gtin, serial: urn.serial };
      case 'lgtin':
        return { kind: 'lgtin', gtin: urn.gtin, lot: urn.lot };
      case 'idpat-sgtin':
        return { kind: 'gtin', gtin: urn.gtin };
      case 'sscc':
        return { kind: 'sscc', sscc: urn.sscc };
      case 'sgln':
        return withExtension(urn.gln, urn.extension);
      case 'pgln':
        return { kind: 'pgln', gln: urn.gln };
    }
  }
  if (/^https?:\/\//i.test(text)) return fromAis(parseDigitalLink(text), 'Digital Link', text);
  if (text.startsWith('/')) {
    const q = text.indexOf('?');
    const path = q < 0 ? text : text.slice(0, q);
    return fromAis(parseDigitalLinkParts(path, q < 0 ? undefined : text.slice(q + 1)), 'Digital Link path', text);
  }
  if (/^[(\]\u001d0-9]/.test(text)) return fromAis(parseElementString(text), 'Element string', text);
  throw new Gs1Error(`Identifier ${quote(text)} is not in a recognised form; expected ${ACCEPTED_FORMS}.`, ID_PART, 'syntax');
}

function describeIdentifier(id: Gs1Identifier): string {
  switch (id.kind) {
    case 'sgtin':
      return `a serialized unit ${id.gtin} / ${id.serial}`;
    case 'lgtin':
      return `a GTIN with lot (LGTIN ${id.gtin}, lot ${id.lot}) but no serial`;
    case 'gtin':
      return `a GTIN (product class ${id.gtin}) without serial`;
    case 'sscc':
      return `an SSCC (logistic unit ${id.sscc})`;
    case 'sgln':
      return `a location GLN (${id.gln})`;
    case 'pgln':
      return `a party GLN (${id.gln})`;
  }
}

/**
 * Like {@link parseIdentifier}, but requires a serialized unit (GTIN + serial).
 * Any other kind of identifier gets a Gs1Error with part "serialized unit".
 */
export function parseUnitCode(input: string): UnitCode {
  const id = parseIdentifier(input);
  if (id.kind !== 'sgtin') {
    throw new Gs1Error(
      `Expected a serialized unit (GTIN + serial, AI 01 + 21); got ${describeIdentifier(id)} from ${quote(input.trim())}.`,
      'serialized unit',
      'wrong-kind',
    );
  }
  const { kind: _kind, ...unit } = id;
  return unit;
}

/** The canonical database key of an identifier (see module comment). Validates the fields. */
export function canonicalKey(id: Gs1Identifier): string {
  const enc = encodeDigitalLinkValue;
  switch (id.kind) {
    case 'sgtin':
      return `/01/${assertGtin(id.gtin)}/21/${enc(validateAiValue('21', id.serial))}`;
    case 'lgtin':
      return `/01/${assertGtin(id.gtin)}/10/${enc(validateAiValue('10', id.lot))}`;
    case 'gtin':
      return `/01/${assertGtin(id.gtin)}`;
    case 'sscc':
      return `/00/${assertSscc(id.sscc)}`;
    case 'sgln': {
      const gln = assertGln(id.gln, 'AI (414) location GLN');
      const ext = id.extension;
      return ext === undefined || ext === '' || ext === '0'
        ? `/414/${gln}`
        : `/414/${gln}/254/${enc(validateAiValue('254', ext))}`;
    }
    case 'pgln':
      return `/417/${assertGln(id.gln, 'AI (417) party GLN')}`;
  }
}

/** canonicalKey(parseIdentifier(input)). */
export function toCanonicalKey(input: string): string {
  return canonicalKey(parseIdentifier(input));
}

/** Canonical key of a serialized unit: /01/{gtin14}/21/{serial}. */
export function unitKey(gtin: string, serial: string): string {
  return canonicalKey({ kind: 'sgtin', gtin, serial });
}

/** The AIs an identifier stands for (sgtin includes lot 10 and expiry 17 when present). */
export function identifierToAis(id: Gs1Identifier): AiValue[] {
  switch (id.kind) {
    case 'sgtin': {
      const ais: AiValue[] = [{ ai: '01', value: assertGtin(id.gtin) }];
      if (id.lot !== undefined) ais.push({ ai: '10', value: id.lot });
      if (id.expiry !== undefined) ais.push({ ai: '17', value: formatAiDate(id.expiry) });
      ais.push({ ai: '21', value: id.serial });
      return ais;
    }
    case 'lgtin':
      return [{ ai: '01', value: assertGtin(id.gtin) }, { ai: '10', value: id.lot }];
    case 'gtin':
      return [{ ai: '01', value: assertGtin(id.gtin) }];
    case 'sscc':
      return [{ ai: '00', value: id.sscc }];
    case 'sgln':
      return id.extension === undefined || id.extension === '' || id.extension === '0'
        ? [{ ai: '414', value: id.gln }]
        : [{ ai: '414', value: id.gln }, { ai: '254', value: id.extension }];
    case 'pgln':
      return [{ ai: '417', value: id.gln }];
  }
}

/** GS1 Digital Link URI of an identifier (lot in the path, expiry in the query for an sgtin). */
export function toDigitalLink(id: Gs1Identifier, host?: string): string {
  return formatDigitalLink(identifierToAis(id), host);
}

/**
 * EPC URN of an identifier: sgtin -> urn:epc:id:sgtin (lot and expiry are not
 * part of an EPC), lgtin -> urn:epc:class:lgtin, gtin -> urn:epc:idpat:sgtin,
 * sscc, sgln (extension "0" when none), pgln.
 */
export function toEpcUrn(id: Gs1Identifier, companyPrefixLength: number): string {
  switch (id.kind) {
    case 'sgtin':
      return formatSgtinUrn(id.gtin, id.serial, companyPrefixLength);
    case 'lgtin':
      return formatLgtinUrn(id.gtin, id.lot, companyPrefixLength);
    case 'gtin':
      return formatIdpatSgtinUrn(id.gtin, companyPrefixLength);
    case 'sscc':
      return formatSsccUrn(id.sscc, companyPrefixLength);
    case 'sgln':
      return formatSglnUrn(id.gln, id.extension, companyPrefixLength);
    case 'pgln':
      return formatPglnUrn(id.gln, companyPrefixLength);
  }
}
