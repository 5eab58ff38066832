import { parseIdentifier, canonicalKey, Gs1Error, type Gs1Identifier } from '../gs1/index.ts';
import { EVENT_TYPES, type BizTransaction, type EventType, type JsonObject, type SourceOrDestination } from './types.ts';
import { NS, normaliseVocabulary } from './vocabulary.ts';

/** One problem found in a captured document: where it is and what was wrong. */
export interface DocumentProblem {
  /** Index of the event in `epcisBody.eventList`, when the problem is inside an event. */
  eventIndex?: number;
  /** JSON path of the offending value, e.g. `$.epcisBody.eventList[3].eventTime`. */
  path: string;
  reason: string;
}

/** Thrown when a document is structurally unusable; lists every problem found, not just the first. */
export class EpcisDocumentError extends Error {
  constructor(readonly problems: DocumentProblem[]) {
    super(
      `EPCIS document rejected: ${problems.length} problem(s): ` +
        problems
          .slice(0, 5)
          .map((p) => `${p.path}: ${p.reason}`)
          .join('; ') +
        (problems.length > 5 ? '; …' : ''),
    );
    this.name = 'EpcisDocumentError';
  }
}

export interface EpcRef {
  role: string;
  epcKey: string;
  gtin?: string | undefined;
  serial?: string | undefined;
  lot?: string | undefined;
  quantity?: number | undefined;
  uom?: string | undefined;
}

export interface NormalisedEvent {
  eventId: string;
  eventType: EventType;
  eventTime: Date;
  eventTimeZoneOffset: string;
  action: string | null;
  bizStep: string | null;
  disposition: string | null;
  readPoint: string | null;
  bizLocation: string | null;
  parentKey: string | null;
  bizTransactions: BizTransaction[];
  sources: SourceOrDestination[];
  destinations: SourceOrDestination[];
  ilmd: Record<string, unknown> | null;
  extensions: Record<string, unknown> | null;
  errorDeclaration: Record<string, unknown> | null;
  epcs: EpcRef[];
  document: JsonObject;
}

export interface MasterDataElement {
  vocabularyType: string;
  key: string;
  attributes: Record<string, unknown>;
  children: string[];
}

export interface NormalisedDocument {
  events: NormalisedEvent[];
  masterData: MasterDataElement[];
}

const STANDARD_FIELDS = new Set([
  '@context', 'type', 'eventID', 'eventTime', 'eventTimeZoneOffset', 'recordTime', 'certificationInfo',
  'errorDeclaration', 'epcList', 'quantityList', 'action', 'bizStep', 'disposition', 'persistentDisposition',
  'readPoint', 'bizLocation', 'bizTransactionList', 'sourceList', 'destinationList', 'sensorElementList', 'ilmd',
  'parentID', 'childEPCs', 'childQuantityList', 'inputEPCList', 'inputQuantityList', 'outputEPCList',
  'outputQuantityList', 'transformationID',
]);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const OFFSET = /^[+-]\d{2}:\d{2}$/;

/** Canonical key for any identifier an event names; non-GS1 URIs (giai, private schemes) are kept as given. */
export function identifierKey(value: string): { key: string; id?: Gs1Identifier } {
  try {
    const id = parseIdentifier(value);
    return { key: canonicalKey(id), id };
  } catch (error) {
    if (error instanceof Gs1Error && looksLikeGs1(value)) throw error;
    return { key: value };
  }
}

function looksLikeGs1(value: string): boolean {
  return /^urn:epc:(id|class|idpat):(sgtin|sscc|sgln|pgln|lgtin):/.test(value) || /^https?:\/\/[^/]+\/(.*\/)?(01|00|414|417)\/\d/.test(value);
}

/** Collects the prefix → namespace IRI mappings a document or event declares in its `@context`. */
export function contextPrefixes(context: unknown, inherited: Record<string, string> = {}): Record<string, string> {
  const prefixes: Record<string, string> = { ...inherited };
  const entries = Array.isArray(context) ? context : context === undefined ? [] : [context];
  for (const entry of entries) {
    if (entry && typeof entry === 'object') {
      for (const [prefix, iri] of Object.entries(entry as JsonObject)) {
        if (typeof iri === 'string') prefixes[prefix] = iri;
      }
    }
  }
  return prefixes;
}

/** Expands `prefix:name` to the full IRI; keys that are already IRIs stay as they are. */
export function expandTerm(term: string, prefixes: Record<string, string>): string {
  const colon = term.indexOf(':');
  if (colon <= 0) return term;
  const prefix = term.slice(0, colon);
  const ns = prefixes[prefix];
  return ns ? ns + term.slice(colon + 1) : term;
}

function expandObject(value: unknown, prefixes: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => expandObject(v, prefixes));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as JsonObject)) {
      if (k === '@context') continue;
      out[expandTerm(k, prefixes)] = expandObject(v, prefixes);
    }
    return out;
  }
  return value;
}

const BASE_PREFIXES: Record<string, string> = { cbvmda: NS.cbvmda, gs1: NS.gs1, epcis: NS.epcis, cbv: NS.cbv };

/**
 * Checks the structure the store relies on and turns a captured EPCIS 2.0 document into rows.
 * Throws EpcisDocumentError listing every problem (event index, JSON path, reason).
 */
export function normaliseDocument(document: unknown): NormalisedDocument {
  const problems: DocumentProblem[] = [];
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new EpcisDocumentError([{ path: '$', reason: 'expected an EPCISDocument JSON object' }]);
  }
  const doc = document as JsonObject;
  if (doc.type !== 'EPCISDocument') {
    problems.push({ path: '$.type', reason: `expected "EPCISDocument", got ${JSON.stringify(doc.type)}` });
  }
  const body = doc.epcisBody as JsonObject | undefined;
  const list = body && typeof body === 'object' ? body.eventList : undefined;
  if (!Array.isArray(list)) {
    problems.push({ path: '$.epcisBody.eventList', reason: 'expected an array of events' });
    throw new EpcisDocumentError(problems);
  }
  const prefixes = contextPrefixes(doc['@context'], BASE_PREFIXES);
  const events: NormalisedEvent[] = [];
  list.forEach((raw, index) => {
    const event = normaliseEvent(raw, index, prefixes, problems);
    if (event) events.push(event);
  });
  const masterData = normaliseMasterData(doc, prefixes, problems);
  if (problems.length > 0) throw new EpcisDocumentError(problems);
  return { events, masterData };
}

function normaliseEvent(
  raw: unknown,
  index: number,
  documentPrefixes: Record<string, string>,
  problems: DocumentProblem[],
): NormalisedEvent | undefined {
  const base = `$.epcisBody.eventList[${index}]`;
  const problem = (field: string, reason: string): void => {
    problems.push({ eventIndex: index, path: field ? `${base}.${field}` : base, reason });
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    problem('', 'expected an event object');
    return undefined;
  }
  const e = raw as JsonObject;
  const before = problems.length;
  const prefixes = contextPrefixes(e['@context'], documentPrefixes);

  const type = e.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    problem('type', `expected one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  const eventId = e.eventID;
  if (typeof eventId !== 'string' || eventId.length === 0) problem('eventID', 'required: a URI identifying the event');
  const eventTime = e.eventTime;
  if (typeof eventTime !== 'string' || !DATE_TIME.test(eventTime) || Number.isNaN(Date.parse(eventTime))) {
    problem('eventTime', `expected an ISO 8601 date-time with offset (e.g. 2026-03-01T10:00:00+01:00), got ${JSON.stringify(eventTime)}`);
  }
  const offset = e.eventTimeZoneOffset;
  if (typeof offset !== 'string' || !OFFSET.test(offset)) {
    problem('eventTimeZoneOffset', `expected ±hh:mm, got ${JSON.stringify(offset)}`);
  }
  const action = e.action;
  if (type !== 'TransformationEvent' && type !== undefined) {
    if (action !== 'ADD' && action !== 'OBSERVE' && action !== 'DELETE') {
      problem('action', `expected ADD, OBSERVE or DELETE, got ${JSON.stringify(action)}`);
    }
  }

  const epcs: EpcRef[] = [];
  const addList = (field: string, role: string) => {
    const value = e[field];
    if (value === undefined) return;
    if (!Array.isArray(value)) return problem(field, 'expected an array of identifiers');
    value.forEach((item, i) => {
      if (typeof item !== 'string') return problem(`${field}[${i}]`, 'expected an identifier string');
      try {
        const { key, id } = identifierKey(item);
        epcs.push({ role, epcKey: key, ...unitParts(id) });
      } catch (error) {
        problem(`${field}[${i}]`, (error as Error).message);
      }
    });
  };
  const addQuantities = (field: string, role: string) => {
    const value = e[field];
    if (value === undefined) return;
    if (!Array.isArray(value)) return problem(field, 'expected an array of quantity elements');
    value.forEach((item, i) => {
      const q = item as JsonObject;
      if (!q || typeof q.epcClass !== 'string') return problem(`${field}[${i}].epcClass`, 'required: a class identifier');
      if (q.quantity !== undefined && typeof q.quantity !== 'number') {
        return problem(`${field}[${i}].quantity`, `expected a number, got ${JSON.stringify(q.quantity)}`);
      }
      try {
        const { key, id } = identifierKey(q.epcClass);
        epcs.push({
          role,
          epcKey: key,
          ...unitParts(id),
          quantity: q.quantity as number | undefined,
          uom: typeof q.uom === 'string' ? q.uom : undefined,
        });
      } catch (error) {
        problem(`${field}[${i}].epcClass`, (error as Error).message);
      }
    });
  };
  addList('epcList', 'epc');
  addList('childEPCs', 'child');
  addList('inputEPCList', 'input');
  addList('outputEPCList', 'output');
  addQuantities('quantityList', 'epcQuantity');
  addQuantities('childQuantityList', 'childQuantity');
  addQuantities('inputQuantityList', 'inputQuantity');
  addQuantities('outputQuantityList', 'outputQuantity');

  let parentKey: string | null = null;
  if (e.parentID !== undefined) {
    if (typeof e.parentID !== 'string') problem('parentID', 'expected an identifier string');
    else {
      try {
        parentKey = identifierKey(e.parentID).key;
        epcs.push({ role: 'parent', epcKey: parentKey });
      } catch (error) {
        problem('parentID', (error as Error).message);
      }
    }
  }
  if (type === 'AggregationEvent' && action !== 'OBSERVE' && parentKey === null) {
    problem('parentID', 'required for an AggregationEvent with action ADD or DELETE');
  }

  const location = (field: 'readPoint' | 'bizLocation'): string | null => {
    const value = e[field];
    if (value === undefined) return null;
    const id = (value as JsonObject)?.id;
    if (typeof id !== 'string') {
      problem(`${field}.id`, 'required: a location identifier (SGLN)');
      return null;
    }
    try {
      return identifierKey(id).key;
    } catch (error) {
      problem(`${field}.id`, (error as Error).message);
      return null;
    }
  };
  const vocab = (field: 'bizStep' | 'disposition'): string | null => {
    const value = e[field];
    if (value === undefined) return null;
    if (typeof value !== 'string') {
      problem(field, 'expected a string');
      return null;
    }
    return normaliseVocabulary(field, value);
  };

  const bizTransactions: BizTransaction[] = [];
  if (e.bizTransactionList !== undefined) {
    if (!Array.isArray(e.bizTransactionList)) problem('bizTransactionList', 'expected an array');
    else
      e.bizTransactionList.forEach((bt: unknown, i) => {
        const t = bt as JsonObject;
        if (!t || typeof t.bizTransaction !== 'string') {
          return problem(`bizTransactionList[${i}].bizTransaction`, 'required: the business transaction identifier');
        }
        bizTransactions.push({
          id: t.bizTransaction,
          ...(typeof t.type === 'string' ? { type: normaliseVocabulary('bizTransactionType', t.type) } : {}),
        });
      });
  }
  const sourceDest = (field: 'sourceList' | 'destinationList', inner: 'source' | 'destination') => {
    const out: SourceOrDestination[] = [];
    const value = e[field];
    if (value === undefined) return out;
    if (!Array.isArray(value)) {
      problem(field, 'expected an array');
      return out;
    }
    value.forEach((item: unknown, i) => {
      const s = item as JsonObject;
      if (!s || typeof s.type !== 'string' || typeof s[inner] !== 'string') {
        return problem(`${field}[${i}]`, `required: "type" and "${inner}"`);
      }
      try {
        const id = s[inner] as string;
        out.push({ type: normaliseVocabulary('sourceDestType', s.type), id, key: identifierKey(id).key });
      } catch (error) {
        problem(`${field}[${i}].${inner}`, (error as Error).message);
      }
    });
    return out;
  };
  const sources = sourceDest('sourceList', 'source');
  const destinations = sourceDest('destinationList', 'destination');

  let extensions: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(e)) {
    if (STANDARD_FIELDS.has(k)) continue;
    extensions ??= {};
    extensions[expandTerm(k, prefixes)] = expandObject(v, prefixes);
  }
  const ilmd = e.ilmd && typeof e.ilmd === 'object' ? (expandObject(e.ilmd, prefixes) as Record<string, unknown>) : null;
  const errorDeclaration =
    e.errorDeclaration && typeof e.errorDeclaration === 'object' ? (e.errorDeclaration as Record<string, unknown>) : null;

  if (problems.length > before) return undefined;
  // A commissioning event's ILMD names the lot of every instance it creates; keeping the lot on the
  // identifier rows lets a lot's units be found through the (gtin, lot) index.
  const ilmdLot = ilmd?.[`${NS.cbvmda}lotNumber`];
  if (typeof ilmdLot === 'string') {
    for (const ref of epcs) if (ref.serial !== undefined && (ref.role === 'epc' || ref.role === 'output')) ref.lot = ilmdLot;
  }
  return {
    eventId: eventId as string,
    eventType: type as EventType,
    eventTime: new Date(eventTime as string),
    eventTimeZoneOffset: offset as string,
    action: typeof action === 'string' ? action : null,
    bizStep: vocab('bizStep'),
    disposition: vocab('disposition'),
    readPoint: location('readPoint'),
    bizLocation: location('bizLocation'),
    parentKey,
    bizTransactions,
    sources,
    destinations,
    ilmd,
    extensions,
    errorDeclaration,
    epcs: dedupeEpcs(epcs),
    document: e,
  };
}

function unitParts(id: Gs1Identifier | undefined): Pick<EpcRef, 'gtin' | 'serial' | 'lot'> {
  if (!id) return {};
  switch (id.kind) {
    case 'sgtin':
      return { gtin: id.gtin, serial: id.serial };
    case 'lgtin':
      return { gtin: id.gtin, lot: id.lot };
    case 'gtin':
      return { gtin: id.gtin };
    default:
      return {};
  }
}

function dedupeEpcs(epcs: EpcRef[]): EpcRef[] {
  const seen = new Map<string, EpcRef>();
  for (const ref of epcs) {
    const id = `${ref.role}\u0000${ref.epcKey}`;
    const prior = seen.get(id);
    if (prior && prior.quantity !== undefined && ref.quantity !== undefined) prior.quantity += ref.quantity;
    else if (!prior) seen.set(id, { ...ref });
  }
  return [...seen.values()];
}

function normaliseMasterData(
  doc: JsonObject,
  prefixes: Record<string, string>,
  problems: DocumentProblem[],
): MasterDataElement[] {
  const header = doc.epcisHeader as JsonObject | undefined;
  const masterData = header?.epcisMasterData as JsonObject | undefined;
  const vocabularies = masterData?.vocabularyList;
  if (vocabularies === undefined) return [];
  const out: MasterDataElement[] = [];
  const base = '$.epcisHeader.epcisMasterData.vocabularyList';
  if (!Array.isArray(vocabularies)) {
    problems.push({ path: base, reason: 'expected an array of vocabularies' });
    return out;
  }
  vocabularies.forEach((vocabulary: unknown, v) => {
    const voc = vocabulary as JsonObject;
    if (!voc || typeof voc.type !== 'string') {
      problems.push({ path: `${base}[${v}].type`, reason: 'required: the vocabulary type URI' });
      return;
    }
    const elements = voc.vocabularyElementList;
    if (elements === undefined) return;
    if (!Array.isArray(elements)) {
      problems.push({ path: `${base}[${v}].vocabularyElementList`, reason: 'expected an array' });
      return;
    }
    elements.forEach((element: unknown, i) => {
      const el = element as JsonObject;
      const path = `${base}[${v}].vocabularyElementList[${i}]`;
      if (!el || typeof el.id !== 'string') {
        problems.push({ path: `${path}.id`, reason: 'required: the element identifier' });
        return;
      }
      let key: string;
      try {
        key = identifierKey(el.id).key;
      } catch (error) {
        problems.push({ path: `${path}.id`, reason: (error as Error).message });
        return;
      }
      const attributes: Record<string, unknown> = {};
      const list = Array.isArray(el.attributes) ? el.attributes : [];
      list.forEach((attribute: unknown, a) => {
        const at = attribute as JsonObject;
        if (!at || typeof at.id !== 'string') {
          problems.push({ path: `${path}.attributes[${a}].id`, reason: 'required: the attribute URI' });
          return;
        }
        attributes[expandTerm(at.id, prefixes)] = at.attribute;
      });
      const children = Array.isArray(el.children)
        ? el.children.filter((c): c is string => typeof c === 'string').map((c) => identifierKey(c).key)
        : [];
      out.push({ vocabularyType: voc.type as string, key, attributes, children });
    });
  });
  return out;
}
