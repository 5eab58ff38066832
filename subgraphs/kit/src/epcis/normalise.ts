import type { Gs1Identifier } from '../gs1/index.ts';
import { eventHashId } from './hash.ts';
import { identifierKey } from './identifiers.ts';
import type { BizTransaction, EventType, JsonObject, SourceOrDestination } from './types.ts';
import {
  contextPrefixes,
  EpcisDocumentError,
  expandCurie,
  locateEvents,
  validateDocument,
  type DocumentProblem,
} from './validate.ts';
import { NS, normaliseVocabulary, type VocabularyKind } from './vocabulary.ts';

export { EpcisDocumentError, contextPrefixes, identifierKey };
export type { DocumentProblem };

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
  /** JSON path of the event list in the captured document, for problems found while storing. */
  eventListPath: string;
}

const STANDARD_FIELDS = new Set([
  '@context', 'type', 'eventID', 'eventTime', 'eventTimeZoneOffset', 'recordTime', 'certificationInfo',
  'errorDeclaration', 'epcList', 'quantityList', 'action', 'bizStep', 'disposition', 'persistentDisposition',
  'readPoint', 'bizLocation', 'bizTransactionList', 'sourceList', 'destinationList', 'sensorElementList', 'ilmd',
  'parentID', 'childEPCs', 'childQuantityList', 'inputEPCList', 'inputQuantityList', 'outputEPCList',
  'outputQuantityList', 'transformationID',
]);

/** Expands `prefix:name` to the full IRI when the prefix is declared; other keys stay as they are. */
export function expandTerm(term: string, prefixes: Readonly<Record<string, string>>): string {
  return expandCurie(term, prefixes);
}

function expandObject(value: unknown, prefixes: Readonly<Record<string, string>>): unknown {
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

/**
 * Validates a captured EPCIS 2.0 document (see validate.ts) and turns it into rows: canonical keys for
 * every identifier, CBV values as bare words, extension and ILMD keys expanded to full IRIs. Events
 * without an eventID get their EPCIS Event Hash ID. Throws EpcisDocumentError listing every problem.
 */
export function normaliseDocument(document: unknown): NormalisedDocument {
  const validation = validateDocument(document);
  if (!validation.ok) throw new EpcisDocumentError(validation.problems);
  const doc = document as JsonObject;
  const prefixes = contextPrefixes(doc['@context']);
  // Prefix definitions travel with each stored event, so an event read back on its own still resolves.
  const contextObjects = (Array.isArray(doc['@context']) ? doc['@context'] : [doc['@context']]).filter(
    (entry): entry is JsonObject => typeof entry === 'object' && entry !== null,
  );
  const { list, path: eventListPath } = locateEvents(doc);
  const keyOf = memoisedIdentifierKey();
  const events = (list as JsonObject[]).map((raw) =>
    normaliseEvent(raw, contextPrefixes(raw['@context'], prefixes), contextObjects, keyOf),
  );
  return { events, masterData: normaliseMasterData(doc, prefixes), eventListPath };
}

type KeyOf = (value: string) => ReturnType<typeof identifierKey>;

/**
 * identifierKey with a memory for one document: its events name the same read points, locations,
 * parties and containers again and again, and parsing an identifier is most of normalising one.
 */
function memoisedIdentifierKey(): KeyOf {
  const known = new Map<string, ReturnType<typeof identifierKey>>();
  return (value) => {
    let found = known.get(value);
    if (!found) {
      found = identifierKey(value);
      known.set(value, found);
    }
    return found;
  };
}

function normaliseEvent(e: JsonObject, prefixes: Record<string, string>, contextObjects: JsonObject[], keyOf: KeyOf): NormalisedEvent {
  const eventId = typeof e.eventID === 'string' ? e.eventID : eventHashId(e, prefixes);
  const epcs: EpcRef[] = [];
  const addList = (field: string, role: string) => {
    const value = e[field];
    if (!Array.isArray(value)) return;
    for (const item of value as string[]) {
      const { key, id } = keyOf(expandTerm(item, prefixes));
      epcs.push({ role, epcKey: key, ...unitParts(id) });
    }
  };
  const addQuantities = (field: string, role: string) => {
    const value = e[field];
    if (!Array.isArray(value)) return;
    for (const q of value as Array<{ epcClass: string; quantity?: number; uom?: string }>) {
      const { key, id } = keyOf(expandTerm(q.epcClass, prefixes));
      epcs.push({ role, epcKey: key, ...unitParts(id), quantity: q.quantity, uom: q.uom });
    }
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
  if (typeof e.parentID === 'string') {
    parentKey = keyOf(expandTerm(e.parentID, prefixes)).key;
    epcs.push({ role: 'parent', epcKey: parentKey });
  }
  const location = (field: 'readPoint' | 'bizLocation'): string | null => {
    const id = (e[field] as JsonObject | undefined)?.id;
    return typeof id === 'string' ? keyOf(expandTerm(id, prefixes)).key : null;
  };
  const vocab = (kind: VocabularyKind, value: unknown): string | null =>
    typeof value === 'string' ? normaliseVocabulary(kind, expandTerm(value, prefixes)) : null;

  const bizTransactions: BizTransaction[] = ((e.bizTransactionList as JsonObject[] | undefined) ?? []).map((t) => ({
    id: t.bizTransaction as string,
    ...(typeof t.type === 'string' ? { type: vocab('bizTransactionType', t.type) as string } : {}),
  }));
  const sourceDest = (field: 'sourceList' | 'destinationList', inner: 'source' | 'destination'): SourceOrDestination[] =>
    ((e[field] as JsonObject[] | undefined) ?? []).map((s) => {
      const id = s[inner] as string;
      return { type: vocab('sourceDestType', s.type) as string, id, key: keyOf(expandTerm(id, prefixes)).key };
    });

  let extensions: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(e)) {
    if (STANDARD_FIELDS.has(k)) continue;
    extensions ??= {};
    extensions[expandTerm(k, prefixes)] = expandObject(v, prefixes);
  }
  const ilmd = e.ilmd && typeof e.ilmd === 'object' ? (expandObject(e.ilmd, prefixes) as Record<string, unknown>) : null;
  const errorDeclaration =
    e.errorDeclaration && typeof e.errorDeclaration === 'object' ? (e.errorDeclaration as Record<string, unknown>) : null;

  // A commissioning event's ILMD names the lot of every instance it creates; keeping the lot on the
  // identifier rows lets a lot's units be found through the (gtin, lot) index.
  const ilmdLot = ilmd?.[`${NS.cbvmda}lotNumber`];
  if (typeof ilmdLot === 'string') {
    for (const ref of epcs) if (ref.serial !== undefined && (ref.role === 'epc' || ref.role === 'output')) ref.lot = ilmdLot;
  }
  const eventContext = [...contextObjects, ...(Array.isArray(e['@context']) ? e['@context'] : e['@context'] ? [e['@context']] : [])];
  const { '@context': _ownContext, ...rest } = e;
  const document: JsonObject = {
    ...(eventContext.length > 0 ? { '@context': eventContext } : {}),
    ...rest,
    eventID: eventId,
  };
  return {
    eventId,
    eventType: e.type as EventType,
    eventTime: new Date(e.eventTime as string),
    eventTimeZoneOffset: e.eventTimeZoneOffset as string,
    action: typeof e.action === 'string' ? e.action : null,
    bizStep: vocab('bizStep', e.bizStep),
    disposition: vocab('disposition', e.disposition),
    readPoint: location('readPoint'),
    bizLocation: location('bizLocation'),
    parentKey,
    bizTransactions,
    sources: sourceDest('sourceList', 'source'),
    destinations: sourceDest('destinationList', 'destination'),
    ilmd,
    extensions,
    errorDeclaration,
    epcs: dedupeEpcs(epcs),
    document,
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

function normaliseMasterData(doc: JsonObject, prefixes: Record<string, string>): MasterDataElement[] {
  const header = doc.epcisHeader as JsonObject | undefined;
  const masterData = header?.epcisMasterData as JsonObject | undefined;
  const vocabularies = (masterData?.vocabularyList as JsonObject[] | undefined) ?? [];
  const out: MasterDataElement[] = [];
  for (const voc of vocabularies) {
    for (const el of (voc.vocabularyElementList as JsonObject[] | undefined) ?? []) {
      const attributes: Record<string, unknown> = {};
      for (const at of (el.attributes as JsonObject[] | undefined) ?? []) attributes[expandTerm(at.id as string, prefixes)] = at.attribute;
      const children = ((el.children as string[] | undefined) ?? []).map((c) => identifierKey(c).key);
      out.push({ vocabularyType: voc.type as string, key: identifierKey(el.id as string).key, attributes, children });
    }
  }
  return out;
}
