import type { Gs1Identifier } from '../gs1/index.ts';
import { eventHashId } from './hash.ts';
import { identifierKey } from './identifiers.ts';
import type { BizTransaction, EventType, JsonObject, SourceOrDestination } from './types.ts';
import {
  contextPrefixes,
  EpcisDocumentError,
  expandCurie,
  locateEvents,
  validateDocumentKeyed,
  type DocumentProblem,
  type IdentifierKeys,
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
  const { validation, keys } = validateDocumentKeyed(document);
  if (!validation.ok) throw new EpcisDocumentError(validation.problems);
  const doc = document as JsonObject;
  const prefixes = contextPrefixes(doc['@context']);
  // Prefix definitions travel with each stored event, so an event read back on its own still resolves.
  const contextObjects = (Array.isArray(doc['@context']) ? doc['@context'] : [doc['@context']]).filter(
    (entry): entry is JsonObject => typeof entry === 'object' && entry !== null,
  );
  const { list, path: eventListPath } = locateEvents(doc);
  const keyOf = memoisedIdentifierKey(keys);
  // An event without a context of its own has the document's prefixes, which are only read.
  const events = (list as JsonObject[]).map((raw) =>
    normaliseEvent(raw, raw['@context'] === undefined ? prefixes : contextPrefixes(raw['@context'], prefixes), contextObjects, keyOf),
  );
  return { events, masterData: normaliseMasterData(doc, prefixes), eventListPath };
}

type KeyOf = (value: string) => { key: string; id?: Gs1Identifier | undefined };

/**
 * identifierKey with a memory for one document, starting from the keys validation found: validation
 * has parsed every identifier an event names (after the same CURIE expansion), and its events name
 * the same read points, locations, parties and containers again and again.
 */
function memoisedIdentifierKey(known: IdentifierKeys): KeyOf {
  return (value) => {
    const found = known.get(value);
    if (found?.ok) return found;
    // Not seen by validation (or malformed, which validation has refused already): as before.
    const computed = identifierKey(value);
    known.set(value, { ok: true, ...computed });
    return computed;
  };
}

function normaliseEvent(e: JsonObject, prefixes: Record<string, string>, contextObjects: JsonObject[], keyOf: KeyOf): NormalisedEvent {
  const eventId = typeof e.eventID === 'string' ? e.eventID : eventHashId(e, prefixes);
  // One row per (role, identifier): two spellings of one key (an EPC URN and a Digital Link) are one
  // row, and repeated quantities of one class add up. Each role comes from one list, so a role's rows
  // are told apart by key alone.
  const epcs: EpcRef[] = [];
  const addList = (field: string, role: string) => {
    const value = e[field];
    if (!Array.isArray(value)) return;
    const seen = new Set<string>();
    for (const item of value as string[]) {
      const { key, id } = keyOf(expandTerm(item, prefixes));
      if (seen.has(key)) continue;
      seen.add(key);
      epcs.push(epcRef(role, key, id));
    }
  };
  const addQuantities = (field: string, role: string) => {
    const value = e[field];
    if (!Array.isArray(value)) return;
    const seen = new Map<string, EpcRef>();
    for (const q of value as Array<{ epcClass: string; quantity?: number; uom?: string }>) {
      const { key, id } = keyOf(expandTerm(q.epcClass, prefixes));
      const prior = seen.get(key);
      if (prior) {
        if (prior.quantity !== undefined && q.quantity !== undefined) prior.quantity += q.quantity;
        continue;
      }
      const ref = epcRef(role, key, id);
      ref.quantity = q.quantity;
      ref.uom = q.uom;
      seen.set(key, ref);
      epcs.push(ref);
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
  for (const k of Object.keys(e)) {
    if (STANDARD_FIELDS.has(k)) continue;
    extensions ??= {};
    extensions[expandTerm(k, prefixes)] = expandObject(e[k], prefixes);
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
    epcs,
    document,
  };
}

/** An identifier row with the GTIN, serial and lot its key carries (fields in this order). */
function epcRef(role: string, epcKey: string, id: Gs1Identifier | undefined): EpcRef {
  const ref: EpcRef = { role, epcKey };
  switch (id?.kind) {
    case 'sgtin':
      ref.gtin = id.gtin;
      ref.serial = id.serial;
      break;
    case 'lgtin':
      ref.gtin = id.gtin;
      ref.lot = id.lot;
      break;
    case 'gtin':
      ref.gtin = id.gtin;
      break;
  }
  return ref;
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
