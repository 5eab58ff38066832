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
import { Gs1Error, failureOf, gs1Failure, quote, unwrapGs1, type Gs1Result } from './errors.ts';
import { assertGln, assertGtin, assertSscc } from './checkDigit.ts';
import { formatAiDate, parseAiDate, validateAiValue } from './ai.ts';
import { parseElementString } from './elementString.ts';
import type { AiValue } from './elementString.ts';
import { encodeDigitalLinkValue, formatDigitalLink, readDigitalLink, readDigitalLinkParts } from './digitalLink.ts';
import {
  formatIdpatSgtinUrn,
  formatLgtinUrn,
  formatPglnUrn,
  formatSglnUrn,
  formatSgtinUrn,
  formatSsccUrn,
  readEpcUrn,
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
  // The AIs that matter, read in one pass (a later value of the same AI wins, as in a Map); this runs
  // for every Digital Link an event names, so it builds no Map or arrays unless it has to complain.
  let sscc: string | undefined;
  let gtin: string | undefined;
  let gln: string | undefined;
  let party: string | undefined;
  let serial: string | undefined;
  let lot: string | undefined;
  let expiry: string | undefined;
  let extension: string | undefined;
  for (const { ai, value } of ais) {
    switch (ai) {
      case '00': sscc = value; break;
      case '01': gtin = value; break;
      case '414': gln = value; break;
      case '417': party = value; break;
      case '21': serial = value; break;
      case '10': lot = value; break;
      case '17': expiry = value; break;
      case '254': extension = value; break;
    }
  }
  if (sscc !== undefined) return { kind: 'sscc', sscc };
  if ((gtin !== undefined ? 1 : 0) + (gln !== undefined ? 1 : 0) + (party !== undefined ? 1 : 0) > 1) {
    const keys = [gtin !== undefined ? '01' : '', gln !== undefined ? '414' : '', party !== undefined ? '417' : ''].filter((k) => k !== '');
    throw new Gs1Error(
      `${form} ${quote(input)} carries more than one GS1 key (AIs ${keys.join(', ')}); expected exactly one ${ACCEPTED_KEYS}.`,
      ID_PART,
      'ambiguous-key',
    );
  }
  if (gtin !== undefined) {
    if (serial !== undefined) {
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
  if (gln !== undefined) return withExtension(gln, extension);
  if (party !== undefined) return { kind: 'pgln', gln: party };
  const found = [...new Map(ais.map(({ ai, value }) => [ai, value])).keys()].join(', ');
  const hint = serial !== undefined ? ' A serial (AI 21) identifies a unit only together with its GTIN (AI 01).' : '';
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
  return unwrapGs1(readIdentifier(input));
}

/**
 * {@link parseIdentifier} without exceptions: the identifier, or the failure whose message, part and
 * reason are those of the Gs1Error parseIdentifier throws for the same input. For callers that meet
 * many values which are not GS1 keys (see Gs1Failure).
 */
export function tryParseIdentifier(input: string): Gs1Result<Gs1Identifier> {
  try {
    return readIdentifier(input);
  } catch (error) {
    // A supported form with a malformed part (bad check digit, wrong length) is still thrown deep
    // inside the toolkit; such values are rare, so catching them here costs nothing on the hot path.
    if (error instanceof Gs1Error) return failureOf(error);
    throw error;
  }
}

const EPC_URN = /^urn:epc:/i;
const WEB_URI = /^https?:\/\//i;
const ELEMENT_STRING = /^[(\]\u001d0-9]/;

/**
 * parseIdentifier's body. Values in no supported form, and forms that name no supported GS1 key (an
 * EPC URN of another scheme, a web URI that is no Digital Link) come back as failures without an
 * exception; a malformed GS1 key throws.
 */
function readIdentifier(input: string): Gs1Result<Gs1Identifier> {
  const text = input.trim();
  if (text.length === 0) {
    return gs1Failure(`Identifier is empty; expected ${ACCEPTED_FORMS}.`, ID_PART, 'empty');
  }
  if (EPC_URN.test(text)) {
    const parsed = readEpcUrn(text);
    if (!parsed.ok) return parsed;
    const urn = parsed.value;
    switch (urn.scheme) {
      case 'sgtin':
        return { ok: true, value: { kind: 'sgtin', gtin: urn.gtin, serial: urn.serial } };
      case 'lgtin':
        return { ok: true, value: { kind: 'lgtin', gtin: urn.gtin, lot: urn.lot } };
      case 'idpat-sgtin':
        return { ok: true, value: { kind: 'gtin', gtin: urn.gtin } };
      case 'sscc':
        return { ok: true, value: { kind: 'sscc', sscc: urn.sscc } };
      case 'sgln':
        return { ok: true, value: withExtension(urn.gln, urn.extension) };
      case 'pgln':
        return { ok: true, value: { kind: 'pgln', gln: urn.gln } };
    }
  }
  if (WEB_URI.test(text)) {
    const ais = readDigitalLink(text);
    return ais.ok ? { ok: true, value: fromAis(ais.value, 'Digital Link', text) } : ais;
  }
  if (text.startsWith('/')) {
    const q = text.indexOf('?');
    const path = q < 0 ? text : text.slice(0, q);
    const ais = readDigitalLinkParts(path, q < 0 ? undefined : text.slice(q + 1));
    return ais.ok ? { ok: true, value: fromAis(ais.value, 'Digital Link path', text) } : ais;
  }
  if (ELEMENT_STRING.test(text)) return { ok: true, value: fromAis(parseElementString(text), 'Element string', text) };
  return gs1Failure(() => `Identifier ${quote(text)} is not in a recognised form; expected ${ACCEPTED_FORMS}.`, ID_PART, 'syntax');
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

/**
 * toCanonicalKey without exceptions, with the identifier it parsed: `{ key, id }`, or the failure of
 * {@link tryParseIdentifier}. Parsing has already checked every field the key holds (check digits,
 * lengths, character set), so the key is written without checking them again as canonicalKey does.
 */
export function tryCanonicalKey(input: string): Gs1Result<{ key: string; id: Gs1Identifier }> {
  const parsed = tryParseIdentifier(input);
  return parsed.ok ? { ok: true, value: { key: keyOfParsed(parsed.value), id: parsed.value } } : parsed;
}

/** canonicalKey for an identifier parseIdentifier returned, whose fields are known to be valid. */
function keyOfParsed(id: Gs1Identifier): string {
  const enc = encodeDigitalLinkValue;
  switch (id.kind) {
    case 'sgtin':
      return `/01/${id.gtin}/21/${enc(id.serial)}`;
    case 'lgtin':
      return `/01/${id.gtin}/10/${enc(id.lot)}`;
    case 'gtin':
      return `/01/${id.gtin}`;
    case 'sscc':
      return `/00/${id.sscc}`;
    case 'sgln':
      // parseIdentifier leaves out an extension "0" (withExtension); an empty one never parses.
      return id.extension === undefined ? `/414/${id.gln}` : `/414/${id.gln}/254/${enc(id.extension)}`;
    case 'pgln':
      return `/417/${id.gln}`;
  }
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
