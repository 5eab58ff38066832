/**
 * GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax 1.x).
 *
 * Structure: scheme + host [+ path prefix] + /{primary key AI}/{value}
 * [+ /{qualifier AI}/{value} ...] [? {AI}={value} & other params].
 * Supported primary keys and their key qualifiers, in the order the standard
 * requires (GS1 Digital Link Standard: URI Syntax; GS1 Barcode Syntax
 * Dictionary "dlpkey" entries):
 *   01 GTIN            -> 22 (CPV), 10 (lot), 21 (serial)
 *   00 SSCC            -> none
 *   414 location GLN   -> 254 (GLN extension)
 *   417 party GLN      -> none
 */
import { Gs1Error, gs1Failure, quote, unwrapGs1, type Gs1Result } from './errors.ts';
import { assertGtin } from './checkDigit.ts';
import { getAi, requireAi, validateAiValue } from './ai.ts';
import type { AiValue } from './elementString.ts';

/** Primary key AI -> its key qualifiers in the required order. */
export const DIGITAL_LINK_PRIMARY_KEYS: Readonly<Record<string, readonly string[]>> = {
  '01': ['22', '10', '21'],
  '00': [],
  '414': ['254'],
  '417': [],
};

/**
 * Short names from GS1 Digital Link 1.0/1.1 ("convenience alphas"; later
 * versions use numeric AIs only). Accepted when parsing, never produced.
 */
const PATH_SHORT_NAMES: Readonly<Record<string, string>> = {
  gtin: '01',
  cpv: '22',
  lot: '10',
  ser: '21',
  sscc: '00',
  gln: '414',
  glnx: '254',
  party: '417',
};
const QUERY_SHORT_NAMES: Readonly<Record<string, string>> = { exp: '17' };

const PATH_PART = 'Digital Link path';
const URI_PART = 'Digital Link URI';
const QUERY_PART = 'Digital Link query string';

const KEY_NAMES: Readonly<Record<string, string>> = {
  '01': 'GTIN',
  '00': 'SSCC',
  '414': 'location GLN',
  '417': 'party GLN',
};

function isPrimaryKey(code: string): boolean {
  return Object.hasOwn(DIGITAL_LINK_PRIMARY_KEYS, code);
}

const AI_CODE = /^[0-9]{2,4}$/;

/** Map a path segment to an AI code (numeric AI or short name), if it names one. */
function pathAi(segment: string): string | undefined {
  if (AI_CODE.test(segment)) return getAi(segment) ? segment : undefined;
  return Object.hasOwn(PATH_SHORT_NAMES, segment) ? PATH_SHORT_NAMES[segment] : undefined;
}

/**
 * Percent-encode a value for a Digital Link: everything except the RFC 3986
 * unreserved characters A-Z a-z 0-9 - . _ ~ becomes %HH (upper-case hex).
 */
export function encodeDigitalLinkValue(value: string): string {
  // Most serials, lots and keys need no escape at all; this check is cheaper than encoding.
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Values made only of the RFC 3986 unreserved characters, which encode to themselves. */
const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

function decodeValue(raw: string, part: string): string {
  if (!raw.includes('%')) return raw; // decodeURIComponent would return it unchanged
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new Gs1Error(
      `${part} ${quote(raw)} has a malformed percent-escape; expected "%" followed by two hex digits (e.g. %2F for "/").`,
      part,
      'escape',
    );
  }
}

/** Validate a Digital Link value for `code` and normalise it (GTIN-8/12/13 -> GTIN-14). */
function normaliseValue(code: string, value: string): string {
  if (code === '01') return assertGtin(value, 'AI (01) GTIN');
  return validateAiValue(code, value);
}

const URI_SHAPE = /^(https?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;

/**
 * Parse a GS1 Digital Link URI into its AIs: primary key, key qualifiers (in
 * path order), then query-string AIs sorted by AI. Values are percent-decoded
 * and validated; non-AI query parameters (linkType, …) and numeric query keys
 * that are not in the AI table are ignored.
 */
export function parseDigitalLink(uri: string): AiValue[] {
  return unwrapGs1(readDigitalLink(uri));
}

/**
 * parseDigitalLink's body. A URI that is no Digital Link at all (not http(s), or no GS1 primary key in
 * its path: most web URIs) is returned as a failure; a Digital Link with a malformed value still throws.
 */
export function readDigitalLink(uri: string): Gs1Result<AiValue[]> {
  const text = uri.trim();
  const m = URI_SHAPE.exec(text);
  if (!m) {
    return gs1Failure(
      () => `Digital Link URI ${quote(text)} is not an http:// or https:// URI with a host; expected e.g. https://id.gs1.org/01/09506000134352/21/123.`,
      URI_PART,
      'syntax',
    );
  }
  return readDigitalLinkParts(m[3] ?? '', m[4]);
}

/**
 * Parse the path (and optional query, without "?") of a Digital Link.
 * Exposed for callers holding a host-less path such as a canonical key.
 */
export function parseDigitalLinkParts(path: string, query?: string): AiValue[] {
  return unwrapGs1(readDigitalLinkParts(path, query));
}

/** parseDigitalLinkParts's body: a path without a primary key is a failure, a malformed value throws. */
export function readDigitalLinkParts(path: string, query?: string): Gs1Result<AiValue[]> {
  const segments = path.split('/');
  if (segments[0] === '') segments.shift();
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();

  // The primary key is the first segment naming one, from which the rest of
  // the path is made of /AI/value pairs; anything before it is a path prefix.
  let start = -1;
  for (let i = 0; i < segments.length && start < 0; i++) {
    const code = pathAi(segments[i] ?? '');
    if (code === undefined || !isPrimaryKey(code) || (segments.length - i) % 2 !== 0) continue;
    let pairsOk = true;
    for (let j = i + 2; j < segments.length; j += 2) {
      if (pathAi(segments[j] ?? '') === undefined) pairsOk = false;
    }
    if (pairsOk) start = i;
  }
  if (start < 0) {
    return gs1Failure(
      () => `Digital Link path ${quote(path)} has no GS1 primary key followed by /AI/value pairs; expected e.g. /01/{GTIN}[/22/{CPV}][/10/{lot}][/21/{serial}], /00/{SSCC}, /414/{GLN}[/254/{extension}] or /417/{party GLN}, optionally after a path prefix.`,
      PATH_PART,
      'missing-key',
    );
  }

  const primary = pathAi(segments[start] ?? '') ?? '';
  const qualifiers = DIGITAL_LINK_PRIMARY_KEYS[primary] ?? [];
  const out: AiValue[] = [];
  let lastRank = -1;
  for (let i = start; i < segments.length; i += 2) {
    const code = pathAi(segments[i] ?? '') ?? '';
    const def = requireAi(code, PATH_PART);
    if (i > start) {
      const rank = qualifiers.indexOf(code);
      if (rank < 0) {
        const where = isPrimaryKey(code)
          ? 'a Digital Link carries only one primary key'
          : `key qualifiers of the ${KEY_NAMES[primary]} (AI ${primary}) are ${qualifiers.length > 0 ? qualifiers.join(', ') : 'none'}; other AIs belong in the query string, e.g. ?${code}=…`;
        throw new Gs1Error(
          `Digital Link path ${quote(path)} has ${def.part} after /${primary}/, but it is not a key qualifier there: ${where}.`,
          PATH_PART,
          'qualifier-order',
        );
      }
      if (rank <= lastRank) {
        throw new Gs1Error(
          `Digital Link path ${quote(path)} has ${def.part} out of order: after /${primary}/ the qualifiers must appear in the order ${qualifiers.join(', ')}, each at most once.`,
          PATH_PART,
          'qualifier-order',
        );
      }
      lastRank = rank;
    }
    const value = normaliseValue(code, decodeValue(segments[i + 1] ?? '', def.part));
    out.push({ ai: code, value });
  }

  if (query === undefined || query === '') return { ok: true, value: out }; // the usual case: no query string
  const fromQuery = new Map<string, string>();
  for (const param of query.split('&')) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const rawKey = eq < 0 ? param : param.slice(0, eq);
    const key = decodeValue(rawKey, QUERY_PART);
    const code = /^[0-9]{2,4}$/.test(key)
      ? key
      : Object.hasOwn(QUERY_SHORT_NAMES, key)
        ? QUERY_SHORT_NAMES[key]
        : undefined;
    if (code === undefined) continue; // linkType, context, … are not AIs
    const def = getAi(code);
    if (!def) continue; // an AI outside this toolkit's table: not an identifier part
    if (isPrimaryKey(code) || qualifiers.includes(code)) {
      throw new Gs1Error(
        `Digital Link query string has ${def.part} (?${key}=…), but it must be in the path${isPrimaryKey(code) ? ' as the primary key' : ` as a key qualifier after /${primary}/`}.`,
        QUERY_PART,
        'qualifier-order',
      );
    }
    const value = validateAiValue(code, decodeValue(eq < 0 ? '' : param.slice(eq + 1), def.part));
    const previous = fromQuery.get(code);
    if (previous !== undefined && previous !== value) {
      throw new Gs1Error(
        `${def.part} appears twice in the Digital Link query string with different values ${quote(previous)} and ${quote(value)}.`,
        def.part,
        'duplicate-ai',
      );
    }
    fromQuery.set(code, value);
  }
  for (const code of [...fromQuery.keys()].sort()) {
    out.push({ ai: code, value: fromQuery.get(code) ?? '' });
  }
  return { ok: true, value: out };
}

/**
 * Format AIs as a GS1 Digital Link URI: exactly one primary key (01, 00, 414
 * or 417) and its key qualifiers in the path in canonical order, all other AIs
 * in the query string sorted by AI. Values are validated and percent-encoded.
 * `host` may include a path prefix, e.g. "https://example.com/dl".
 */
export function formatDigitalLink(ais: readonly AiValue[], host = 'https://id.gs1.org'): string {
  const base = host.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/i.test(base)) {
    throw new Gs1Error(
      `Digital Link host ${quote(host)} is not an http:// or https:// origin (optionally with a path prefix) without query or fragment; expected e.g. https://id.gs1.org.`,
      'Digital Link host',
      'syntax',
    );
  }
  const values = new Map<string, string>();
  for (const { ai, value } of ais) {
    const def = requireAi(ai, 'Digital Link AI');
    const normal = normaliseValue(ai, value);
    const previous = values.get(ai);
    if (previous !== undefined && previous !== normal) {
      throw new Gs1Error(
        `${def.part} is given twice with different values ${quote(previous)} and ${quote(normal)}.`,
        def.part,
        'duplicate-ai',
      );
    }
    values.set(ai, normal);
  }
  const keys = [...values.keys()].filter(isPrimaryKey);
  if (keys.length !== 1) {
    throw new Gs1Error(
      keys.length === 0
        ? `Cannot build a Digital Link without a primary key; expected one of AI 01 (GTIN), 00 (SSCC), 414 (location GLN) or 417 (party GLN), got AIs ${[...values.keys()].join(', ') || 'none'}.`
        : `Cannot build a Digital Link with more than one primary key (AIs ${keys.join(', ')}); a Digital Link URI carries exactly one.`,
      PATH_PART,
      keys.length === 0 ? 'missing-key' : 'ambiguous-key',
    );
  }
  const primary = keys[0] ?? '';
  const pathAis = [primary, ...(DIGITAL_LINK_PRIMARY_KEYS[primary] ?? []).filter((q) => values.has(q))];
  const path = pathAis.map((ai) => `/${ai}/${encodeDigitalLinkValue(values.get(ai) ?? '')}`).join('');
  const queryAis = [...values.keys()].filter((ai) => !pathAis.includes(ai)).sort();
  const query = queryAis.map((ai) => `${ai}=${encodeDigitalLinkValue(values.get(ai) ?? '')}`).join('&');
  return base + path + (query ? `?${query}` : '');
}
