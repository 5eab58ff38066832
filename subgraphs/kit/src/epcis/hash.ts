/**
 * The EPCIS Event Hash ID (GS1 Core Business Vocabulary 2.0, "EPCIS Event Hash ID"): a name for an
 * event derived from its content, `ni:///sha-256;{hex}?ver=CBV2.0` (RFC 6920 `ni` URI). Capture assigns
 * it to events that arrive without an eventID, so the same event sent twice, or written once with EPC
 * URNs and once with Digital Links, gets the same ID and is stored once.
 *
 * The pre-hash string follows the CBV 2.0 rules: fields in the canonical property order, `key=value`
 * pairs concatenated without separators, list members sorted, timestamps in UTC with milliseconds,
 * numbers without trailing zeros, CBV values as web URIs (`https://ref.gs1.org/cbv/…`), CURIEs
 * expanded, EPC URIs and Digital Links as constrained canonical Digital Links on id.gs1.org, and ILMD
 * and user extensions as `{namespace}localName=value`, sorted. The code is ours; the rules and the
 * vocabulary are GS1's.
 */
import { createHash } from 'node:crypto';
import { computeCheckDigit, encodeDigitalLinkValue } from '../gs1/index.ts';
import type { JsonObject } from './types.ts';
import { expandCurie, STANDARD_PREFIXES } from './validate.ts';
import { CBV_TERMS, NS } from './vocabulary.ts';

const CANONICAL_HOST = 'https://id.gs1.org';

/** The version suffix this implementation produces. */
export const EVENT_HASH_VERSION = 'CBV2.0';

/** Event fields that never enter the hash: they name or annotate the event rather than describe it. */
const EXCLUDED = new Set(['@context', 'type', 'eventID', 'recordTime', 'errorDeclaration']);

type Prefixes = Readonly<Record<string, string>>;

/** The EPCIS Event Hash ID of one event (an object from `epcisBody.eventList`). */
export function eventHashId(event: JsonObject, prefixes: Prefixes = {}): string {
  const digest = createHash('sha256').update(preHashString(event, prefixes), 'utf8').digest('hex');
  return `ni:///sha-256;${digest}?ver=${EVENT_HASH_VERSION}`;
}

/**
 * The canonical pre-hash string of an event. `prefixes` are the CURIE prefixes in scope (document and
 * event `@context`); the standard prefixes (epcis, cbv, cbvmda, gs1, …) are always known.
 */
export function preHashString(event: JsonObject, prefixes: Prefixes = {}): string {
  const scope: Prefixes = { ...STANDARD_PREFIXES, ...prefixes };
  const out: string[] = [`eventType=${String(event.type)}`];
  const value = (key: string, v: unknown, kind: ValueKind = 'id') => {
    if (v === undefined || v === null) return;
    out.push(`${key}=${canonicalValue(v, kind, scope)}`);
  };
  value('eventTime', event.eventTime, 'time');
  value('eventTimeZoneOffset', event.eventTimeZoneOffset, 'text');
  const certificationInfo = Array.isArray(event.certificationInfo) ? event.certificationInfo : [event.certificationInfo];
  out.push(...certificationInfo.filter((c) => c !== undefined).map((c) => `certificationInfo=${canonicalValue(c, 'id', scope)}`).sort(compare));
  epcList(out, 'epcList', event.epcList, scope);
  value('parentID', event.parentID);
  epcList(out, 'inputEPCList', event.inputEPCList, scope);
  epcList(out, 'childEPCs', event.childEPCs, scope);
  quantityList(out, 'quantityList', event.quantityList, scope);
  quantityList(out, 'childQuantityList', event.childQuantityList, scope);
  quantityList(out, 'inputQuantityList', event.inputQuantityList, scope);
  epcList(out, 'outputEPCList', event.outputEPCList, scope);
  quantityList(out, 'outputQuantityList', event.outputQuantityList, scope);
  value('action', event.action, 'text');
  value('transformationID', event.transformationID);
  value('bizStep', event.bizStep, 'bizStep');
  value('disposition', event.disposition, 'disposition');
  persistentDisposition(out, event.persistentDisposition, scope);
  place(out, 'readPoint', event.readPoint, scope);
  place(out, 'bizLocation', event.bizLocation, scope);
  typedList(out, 'bizTransactionList', 'bizTransaction', 'bizTransactionType', event.bizTransactionList, scope);
  typedList(out, 'sourceList', 'source', 'sourceDestType', event.sourceList, scope);
  typedList(out, 'destinationList', 'destination', 'sourceDestType', event.destinationList, scope);
  sensorElementList(out, event.sensorElementList, scope);
  if (isObject(event.ilmd)) {
    const parts = extensionParts(event.ilmd, scope);
    if (parts.length > 0) out.push('ilmd', ...parts);
  }
  const extensions: JsonObject = {};
  for (const [k, v] of Object.entries(event)) {
    if (!STANDARD_EVENT_FIELDS.has(k) && !EXCLUDED.has(k)) extensions[k] = v;
  }
  out.push(...extensionParts(extensions, scope));
  return out.join('');
}

const STANDARD_EVENT_FIELDS = new Set([
  'certificationInfo', 'eventTime', 'eventTimeZoneOffset', 'epcList', 'parentID', 'inputEPCList', 'childEPCs', 'quantityList',
  'childQuantityList', 'inputQuantityList', 'outputEPCList', 'outputQuantityList', 'action', 'transformationID',
  'bizStep', 'disposition', 'persistentDisposition', 'readPoint', 'bizLocation', 'bizTransactionList', 'sourceList',
  'destinationList', 'sensorElementList', 'ilmd',
]);

type ValueKind =
  | 'id'
  | 'text'
  | 'time'
  | 'number'
  | 'bizStep'
  | 'disposition'
  | 'bizTransactionType'
  | 'sourceDestType'
  | 'component'
  | 'measurementType'
  | 'alertType';

function canonicalValue(v: unknown, kind: ValueKind, scope: Prefixes): string {
  if (typeof v === 'number') return canonicalNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return JSON.stringify(v);
  const s = v.trim();
  switch (kind) {
    case 'time':
      return canonicalTime(s);
    case 'text':
      return s;
    case 'number':
      return s;
    case 'bizStep':
    case 'disposition':
    case 'bizTransactionType':
    case 'sourceDestType':
    case 'component':
      return cbvWebUri(kind, s, scope);
    case 'measurementType':
    case 'alertType':
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${NS.gs1}${s}` : canonicalIdentifier(expandCurie(s, scope));
    case 'id':
      return canonicalIdentifier(expandCurie(s, scope));
  }
}

/** Numbers without trailing zeros: 26.0 is "26", 200.50 is "200.5". */
function canonicalNumber(n: number): string {
  return String(n);
}

/**
 * UTC with exactly three fractional digits; a fourth digit of 5-9 rounds the third up
 * (2023-01-18T11:04:03.1415Z becomes 2023-01-18T11:04:03.142Z).
 */
export function canonicalTime(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!m) return value;
  const fraction = m[2] ?? '';
  let millis = Number((fraction + '000').slice(0, 3));
  if (fraction.length > 3 && Number(fraction.charAt(3)) >= 5) millis += 1;
  const base = Date.parse(`${m[1]}${m[3]?.toUpperCase() === 'Z' ? 'Z' : m[3]}`);
  if (Number.isNaN(base)) return value;
  return new Date(base + millis).toISOString();
}

const CBV_WEB_PREFIX: Record<'bizStep' | 'disposition' | 'bizTransactionType' | 'sourceDestType' | 'component', string> = {
  bizStep: 'BizStep-',
  disposition: 'Disp-',
  bizTransactionType: 'BTT-',
  sourceDestType: 'SDT-',
  component: 'Comp-',
};
const CBV_URN_PREFIX: Record<string, string> = {
  bizStep: 'urn:epcglobal:cbv:bizstep:',
  disposition: 'urn:epcglobal:cbv:disp:',
  bizTransactionType: 'urn:epcglobal:cbv:btt:',
  sourceDestType: 'urn:epcglobal:cbv:sdt:',
  component: 'urn:epcglobal:cbv:comp:',
};

function cbvWebUri(kind: keyof typeof CBV_WEB_PREFIX, value: string, scope: Prefixes): string {
  const terms = CBV_TERMS[kind];
  if (terms.has(value)) return `${NS.cbv}${CBV_WEB_PREFIX[kind]}${value}`;
  const urn = CBV_URN_PREFIX[kind] as string;
  if (value.startsWith(urn)) return `${NS.cbv}${CBV_WEB_PREFIX[kind]}${value.slice(urn.length)}`;
  return canonicalIdentifier(expandCurie(value, scope));
}

function epcList(out: string[], name: string, list: unknown, scope: Prefixes): void {
  if (!Array.isArray(list) || list.length === 0) return;
  const parts = list.map((epc) => `epc=${canonicalValue(epc, 'id', scope)}`).sort(compare);
  out.push(name, ...parts);
}

function quantityList(out: string[], name: string, list: unknown, scope: Prefixes): void {
  if (!Array.isArray(list) || list.length === 0) return;
  const parts = list
    .filter(isObject)
    .map((q) => {
      let s = 'quantityElement';
      if (q.epcClass !== undefined) s += `epcClass=${canonicalValue(q.epcClass, 'id', scope)}`;
      if (q.quantity !== undefined) s += `quantity=${canonicalValue(q.quantity, 'number', scope)}`;
      if (q.uom !== undefined) s += `uom=${canonicalValue(q.uom, 'text', scope)}`;
      return s;
    })
    .sort(compare);
  out.push(name, ...parts);
}

function persistentDisposition(out: string[], value: unknown, scope: Prefixes): void {
  if (!isObject(value)) return;
  const parts: string[] = [];
  for (const key of ['set', 'unset'] as const) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    parts.push(...list.map((d) => `${key}=${canonicalValue(d, 'disposition', scope)}`).sort(compare));
  }
  if (parts.length > 0) out.push('persistentDisposition', ...parts);
}

function place(out: string[], name: string, value: unknown, scope: Prefixes): void {
  if (!isObject(value)) return;
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'id') rest[k] = v;
  out.push(name);
  if (value.id !== undefined) out.push(`id=${canonicalValue(value.id, 'id', scope)}`);
  out.push(...extensionParts(rest, scope));
}

/** bizTransaction / source / destination: the identifier first, then its type, then sorted. */
function typedList(
  out: string[],
  name: string,
  member: string,
  typeKind: 'bizTransactionType' | 'sourceDestType',
  list: unknown,
  scope: Prefixes,
): void {
  if (!Array.isArray(list) || list.length === 0) return;
  const parts = list
    .filter(isObject)
    .map((item) => {
      let s = `${member}=${canonicalValue(item[member], 'id', scope)}`;
      if (item.type !== undefined) s += `type=${canonicalValue(item.type, typeKind, scope)}`;
      return s;
    })
    .sort(compare);
  out.push(name, ...parts);
}

const SENSOR_METADATA_ORDER: ReadonlyArray<[string, ValueKind]> = [
  ['time', 'time'],
  ['startTime', 'time'],
  ['endTime', 'time'],
  ['deviceID', 'id'],
  ['deviceMetadata', 'id'],
  ['rawData', 'id'],
  ['dataProcessingMethod', 'id'],
  ['bizRules', 'id'],
];
const SENSOR_REPORT_ORDER: ReadonlyArray<[string, ValueKind]> = [
  ['type', 'measurementType'],
  ['exception', 'alertType'],
  ['deviceID', 'id'],
  ['deviceMetadata', 'id'],
  ['rawData', 'id'],
  ['dataProcessingMethod', 'id'],
  ['time', 'time'],
  ['microorganism', 'id'],
  ['chemicalSubstance', 'id'],
  ['value', 'number'],
  ['component', 'component'],
  ['stringValue', 'text'],
  ['booleanValue', 'text'],
  ['hexBinaryValue', 'text'],
  ['uriValue', 'id'],
  ['minValue', 'number'],
  ['maxValue', 'number'],
  ['meanValue', 'number'],
  ['sDev', 'number'],
  ['percRank', 'number'],
  ['percValue', 'number'],
  ['uom', 'text'],
  ['coordinateReferenceSystem', 'id'],
];

function ordered(name: string, value: JsonObject, order: ReadonlyArray<[string, ValueKind]>, scope: Prefixes): string {
  let s = name;
  const known = new Set(order.map(([k]) => k));
  for (const [key, kind] of order) {
    if (value[key] !== undefined && value[key] !== null) s += `${key}=${canonicalValue(value[key], kind, scope)}`;
  }
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!known.has(k)) rest[k] = v;
  return s + extensionParts(rest, scope).join('');
}

function sensorElementList(out: string[], list: unknown, scope: Prefixes): void {
  if (!Array.isArray(list) || list.length === 0) return;
  const elements = list.filter(isObject).map((element) => {
    let s = 'sensorElement';
    if (isObject(element.sensorMetadata)) s += ordered('sensorMetadata', element.sensorMetadata, SENSOR_METADATA_ORDER, scope);
    const reports = Array.isArray(element.sensorReport) ? element.sensorReport.filter(isObject) : [];
    s += reports
      .map((r) => ordered('sensorReport', r, SENSOR_REPORT_ORDER, scope))
      .sort(compare)
      .join('');
    const rest: JsonObject = {};
    for (const [k, v] of Object.entries(element)) if (k !== 'sensorMetadata' && k !== 'sensorReport') rest[k] = v;
    return s + extensionParts(rest, scope).join('');
  });
  out.push('sensorElementList', ...elements.sort(compare));
}

/**
 * ILMD and user extensions: `{namespace}localName=value` for values, `{namespace}localName` followed by
 * the nested parts for objects, one entry per member for arrays; siblings sorted.
 */
function extensionParts(obj: JsonObject, scope: Prefixes): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key === '@context') continue;
    const name = qualifiedName(key, scope);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) continue;
      if (isObject(item)) parts.push(name + extensionParts(item, scope).join(''));
      else parts.push(`${name}=${canonicalValue(item, typeof item === 'string' ? 'id' : 'number', scope)}`);
    }
  }
  return parts.sort(compare);
}

/**
 * `example:myField` with `example` = `https://ns.example.com/epcis/` becomes
 * `{https://ns.example.com/epcis/}myField`; a full IRI is split after its last `/` or `#`.
 */
function qualifiedName(key: string, scope: Prefixes): string {
  const curie = /^([A-Za-z_][\w.-]*):(.*)$/s.exec(key);
  if (curie && !(curie[2] ?? '').startsWith('//')) {
    const ns = scope[curie[1] as string];
    if (ns !== undefined) return `{${ns}}${curie[2]}`;
  }
  const cut = Math.max(key.lastIndexOf('/'), key.lastIndexOf('#'));
  if (cut < 0 || cut === key.length - 1) return key;
  return `{${key.slice(0, cut + 1)}}${key.slice(cut + 1)}`;
}

/** Case-sensitive ordering by UTF-16 code units, which equals code point order for these ASCII strings. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- identifiers: EPC URIs and Digital Links to constrained canonical Digital Links ------------------

/**
 * EPC URIs become canonical GS1 Digital Link URIs on id.gs1.org, and Digital Links on any host are
 * reduced to the same form (query string dropped, only the finest key level kept). Anything else, or an
 * identifier that does not parse, is returned unchanged.
 */
export function canonicalIdentifier(value: string): string {
  if (/^urn:epc:(id|class|idpat):/i.test(value)) return epcToDigitalLink(value) ?? value;
  if (/^https?:\/\//i.test(value)) return constrainDigitalLink(value) ?? value;
  return value;
}

/** AI → qualifiers kept for the finest level, in preference order (GS1 CBV 2.0 event hash rules). */
const FINEST: Readonly<Record<string, readonly string[]>> = {
  '00': [],
  '01': ['21', '235', '10'],
  '253': [],
  '255': [],
  '401': [],
  '402': [],
  '414': ['254'],
  '417': [],
  '8003': [],
  '8004': [],
  '8006': ['21', '10'],
  '8010': ['8011'],
  '8017': [],
  '8018': [],
};

function dl(pairs: Array<[string, string]>): string {
  return CANONICAL_HOST + pairs.map(([ai, v]) => `/${ai}/${encodeDigitalLinkValue(v)}`).join('');
}

function constrainDigitalLink(uri: string): string | undefined {
  const m = /^https?:\/\/[^/?#]+([^?#]*)/i.exec(uri);
  const segments = (m?.[1] ?? '').split('/').filter((s) => s.length > 0);
  for (let i = 0; i + 1 < segments.length; i += 1) {
    const ai = segments[i] as string;
    const qualifiers = FINEST[ai];
    if (!qualifiers) continue;
    let key: string;
    try {
      key = decodeURIComponent(segments[i + 1] as string);
    } catch {
      return undefined;
    }
    if (ai === '01' && /^\d{8}$|^\d{12,14}$/.test(key)) key = key.padStart(14, '0');
    const found = new Map<string, string>();
    for (let j = i + 2; j + 1 < segments.length; j += 2) {
      try {
        found.set(segments[j] as string, decodeURIComponent(segments[j + 1] as string));
      } catch {
        return undefined;
      }
    }
    const pairs: Array<[string, string]> = [[ai, key]];
    const finest = qualifiers.find((q) => found.has(q));
    if (finest) pairs.push([finest, found.get(finest) as string]);
    return dl(pairs);
  }
  return undefined;
}

function unescapeUrn(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const withCheck = (digits: string): string => digits + computeCheckDigit(digits);

/**
 * EPC Tag Data Standard pure identity, class and pattern URIs to Digital Links. Needs no company prefix
 * table: the URN's dots show where the prefix ends.
 */
export function epcToDigitalLink(urn: string): string | undefined {
  const m = /^urn:epc:(id|class|idpat):([a-z0-9]+):(.+)$/i.exec(urn.trim());
  if (!m) return undefined;
  const kind = `${(m[1] as string).toLowerCase()}:${(m[2] as string).toLowerCase()}`;
  const parts = (m[3] as string).split('.');
  const p = (i: number) => parts[i] ?? '';
  const rest = (i: number) => parts.slice(i).join('.');
  const digits = (...xs: string[]) => xs.every((x) => /^\d*$/.test(x));
  try {
    switch (kind) {
      case 'id:sgtin':
      case 'class:lgtin':
      case 'idpat:sgtin': {
        const [cp, ir] = [p(0), p(1)];
        if (!digits(cp, ir) || cp.length + ir.length !== 13) return undefined;
        const gtin = withCheck(ir.charAt(0) + cp + ir.slice(1));
        if (kind === 'idpat:sgtin') return rest(2) === '*' ? dl([['01', gtin]]) : undefined;
        return dl([['01', gtin], [kind === 'id:sgtin' ? '21' : '10', unescapeUrn(rest(2))]]);
      }
      case 'id:sscc': {
        const [cp, sr] = [p(0), p(1)];
        if (!digits(cp, sr) || cp.length + sr.length !== 17) return undefined;
        return dl([['00', withCheck(sr.charAt(0) + cp + sr.slice(1))]]);
      }
      case 'id:sgln': {
        const [cp, lr] = [p(0), p(1)];
        if (!digits(cp, lr) || cp.length + lr.length !== 12) return undefined;
        const ext = unescapeUrn(rest(2));
        const gln = withCheck(cp + lr);
        return ext === '0' || ext === '' ? dl([['414', gln]]) : dl([['414', gln], ['254', ext]]);
      }
      case 'id:pgln': {
        const [cp, pr] = [p(0), p(1)];
        if (!digits(cp, pr) || cp.length + pr.length !== 12) return undefined;
        return dl([['417', withCheck(cp + pr)]]);
      }
      case 'id:grai': {
        const [cp, at] = [p(0), p(1)];
        if (!digits(cp, at) || cp.length + at.length !== 12) return undefined;
        return dl([['8003', `0${withCheck(cp + at)}${unescapeUrn(rest(2))}`]]);
      }
      case 'id:giai':
        return dl([['8004', p(0) + unescapeUrn(rest(1))]]);
      case 'id:gsrn':
      case 'id:gsrnp': {
        const [cp, sr] = [p(0), p(1)];
        if (!digits(cp, sr) || cp.length + sr.length !== 17) return undefined;
        return dl([[kind === 'id:gsrn' ? '8018' : '8017', withCheck(cp + sr)]]);
      }
      case 'id:gdti': {
        const [cp, dt] = [p(0), p(1)];
        if (!digits(cp, dt) || cp.length + dt.length !== 12) return undefined;
        return dl([['253', withCheck(cp + dt) + unescapeUrn(rest(2))]]);
      }
      case 'id:sgcn': {
        const [cp, cr] = [p(0), p(1)];
        if (!digits(cp, cr) || cp.length + cr.length !== 12) return undefined;
        return dl([['255', withCheck(cp + cr) + rest(2)]]);
      }
      case 'id:ginc':
        return dl([['401', p(0) + unescapeUrn(rest(1))]]);
      case 'id:gsin': {
        const [cp, sr] = [p(0), p(1)];
        if (!digits(cp, sr) || cp.length + sr.length !== 16) return undefined;
        return dl([['402', withCheck(cp + sr)]]);
      }
      case 'id:cpi':
        return dl([['8010', p(0) + unescapeUrn(p(1))], ['8011', p(2)]]);
      case 'id:itip': {
        const [cp, ir, piece, total] = [p(0), p(1), p(2), p(3)];
        if (!digits(cp, ir, piece, total) || cp.length + ir.length !== 13) return undefined;
        return dl([['8006', withCheck(ir.charAt(0) + cp + ir.slice(1)) + piece + total], ['21', unescapeUrn(rest(4))]]);
      }
      case 'id:upui': {
        const [cp, ir] = [p(0), p(1)];
        if (!digits(cp, ir) || cp.length + ir.length !== 13) return undefined;
        return dl([['01', withCheck(ir.charAt(0) + cp + ir.slice(1))], ['235', unescapeUrn(rest(2))]]);
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
