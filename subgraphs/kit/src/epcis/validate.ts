/**
 * Validation of captured EPCIS 2.0 documents, our own code. Two passes, both of which always run so
 * that a rejected document lists every problem at once:
 *
 * 1. Shape (zod): the EPCIS 2.0 JSON binding's rules per event type: required fields, types,
 *    date-times with an offset, quantities as numbers, units of measure, URIs, and no unknown
 *    properties inside the closed structures (quantity elements, business transactions, sources and
 *    destinations, persistent dispositions). The parsed result is typed.
 * 2. Meaning (hand-written): rules that need the document's `@context` or more than one field: the
 *    action rules, what each event type must name, CBV 2.0 vocabularies in bare, URN and web URI form,
 *    extension and ILMD fields that must carry a namespace, CURIE prefixes the `@context` must declare,
 *    and GS1 identifiers that must be well formed (check digits, company prefixes, character set).
 *
 * Every problem carries the event index (when inside an event), a JSON path and a plain reason.
 */
import { z } from 'zod';
import { tryIdentifierKey, type IdentifierKeyResult } from './identifiers.ts';
import { CBV_FORMS, CBV_TERMS, NS, type VocabularyKind } from './vocabulary.ts';
import type { JsonObject } from './types.ts';

/** One problem found in a captured document: where it is and what was wrong. */
export interface DocumentProblem {
  /** Index of the event in the document's event list, when the problem is inside an event. */
  eventIndex?: number;
  /** JSON path of the offending value, e.g. `$.epcisBody.eventList[3].eventTime`. */
  path: string;
  reason: string;
}

/**
 * Thrown when a document is refused; lists every problem found, not just the first. `status` is the
 * HTTP status that fits: 400 for a document that breaks the standard, 403 for one that asks for
 * something its sender may not do (retract another partner's event).
 */
export class EpcisDocumentError extends Error {
  constructor(
    readonly problems: DocumentProblem[],
    readonly status: 400 | 403 = 400,
  ) {
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

// ---- primitives ----------------------------------------------------------------------------------

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 date-time with a time zone (`Z` or ±hh:mm), with its fields in range. */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** An absolute URI: a scheme, a colon, and no whitespace or characters RFC 3986 excludes. */
export function isUri(value: string): boolean {
  return URI.test(value);
}

// Patterns used for every identifier live at module level: a regular expression literal inside a
// function makes a new RegExp object each time it runs.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*$/;

const DATE_TIME_HINT = 'expected an RFC 3339 date-time with a time zone, e.g. 2026-03-01T10:00:00.000+01:00';
const URI_HINT = 'expected an absolute URI such as urn:epc:id:sgtin:0614141.107346.2017 or https://id.gs1.org/01/…';

const dateTime = z.string().refine(isDateTime, { error: DATE_TIME_HINT });
const uri = z.string().refine(isUri, { error: URI_HINT });
const offset = z.string().regex(/^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/, {
  error: 'expected a time zone offset from -14:00 to +14:00 written ±hh:mm, e.g. +01:00',
});
const uom = z.string().regex(/^[A-Z0-9]{2,3}$/, {
  error: 'expected a UN/ECE Recommendation 20 unit code of 2 or 3 upper-case letters or digits, e.g. KGM',
});
const context = z.union([uri, z.looseObject({}), z.array(z.union([uri, z.looseObject({})]))], {
  error: 'expected a context URI, an object of prefix definitions, or an array of these',
});

const epcList = z.array(uri, { error: 'expected an array of identifier URIs' });

const quantityElement = z.strictObject({
  epcClass: uri,
  quantity: z.number({ error: 'expected a number' }).optional(),
  uom: uom.optional(),
});
const quantityList = z.array(quantityElement, { error: 'expected an array of quantity elements' });

const place = z.looseObject({ id: uri });
const bizTransaction = z.strictObject({ type: z.string().optional(), bizTransaction: uri });
const source = z.strictObject({ type: z.string(), source: uri });
const destination = z.strictObject({ type: z.string(), destination: uri });
const persistentDisposition = z.strictObject({
  set: z.array(z.string()).min(1).optional(),
  unset: z.array(z.string()).min(1).optional(),
});

const number = z.number({ error: 'expected a number' });
const sensorMetadata = z.looseObject({
  time: dateTime.optional(),
  startTime: dateTime.optional(),
  endTime: dateTime.optional(),
  deviceID: uri.optional(),
  deviceMetadata: uri.optional(),
  rawData: uri.optional(),
  dataProcessingMethod: uri.optional(),
  bizRules: uri.optional(),
});
const sensorReport = z.looseObject({
  type: z.string().optional(),
  exception: z.string().optional(),
  deviceID: uri.optional(),
  deviceMetadata: uri.optional(),
  rawData: uri.optional(),
  dataProcessingMethod: uri.optional(),
  bizRules: uri.optional(),
  time: dateTime.optional(),
  microorganism: uri.optional(),
  chemicalSubstance: uri.optional(),
  coordinateReferenceSystem: uri.optional(),
  value: number.optional(),
  component: z.string().optional(),
  stringValue: z.string().optional(),
  booleanValue: z.boolean().optional(),
  hexBinaryValue: z.string().regex(/^[A-Fa-f0-9]+$/, { error: 'expected hexadecimal digits' }).optional(),
  uriValue: uri.optional(),
  minValue: number.optional(),
  maxValue: number.optional(),
  meanValue: number.optional(),
  sDev: number.optional(),
  percRank: number.optional(),
  percValue: number.optional(),
  uom: z.string().optional(),
});
const sensorElement = z.looseObject({
  sensorMetadata: sensorMetadata.optional(),
  sensorReport: z.array(sensorReport).min(1, { error: 'a sensor element needs at least one sensorReport' }),
});
const errorDeclaration = z.looseObject({
  declarationTime: dateTime,
  reason: z.string().optional(),
  correctiveEventIDs: z.array(uri).optional(),
});
const action = z.enum(['ADD', 'OBSERVE', 'DELETE'], { error: 'expected ADD, OBSERVE or DELETE' });

const common = {
  '@context': context.optional(),
  eventTime: dateTime,
  eventTimeZoneOffset: offset,
  recordTime: dateTime.optional(),
  eventID: uri.optional(),
  certificationInfo: z.union([uri, z.array(uri)]).optional(),
  errorDeclaration: errorDeclaration.optional(),
  bizStep: z.string().optional(),
  disposition: z.string().optional(),
  readPoint: place.optional(),
  bizLocation: place.optional(),
  bizTransactionList: z.array(bizTransaction).optional(),
  sourceList: z.array(source).optional(),
  destinationList: z.array(destination).optional(),
  sensorElementList: z.array(sensorElement).optional(),
  persistentDisposition: persistentDisposition.optional(),
};
const ilmd = z.record(z.string(), z.unknown(), { error: 'expected an object of ILMD fields' });

const objectEvent = z.looseObject({
  ...common,
  type: z.literal('ObjectEvent'),
  action,
  epcList: epcList.optional(),
  quantityList: quantityList.optional(),
  ilmd: ilmd.optional(),
});
const aggregationEvent = z.looseObject({
  ...common,
  type: z.literal('AggregationEvent'),
  action,
  parentID: uri.optional(),
  childEPCs: epcList.optional(),
  childQuantityList: quantityList.optional(),
});
const transactionEvent = z.looseObject({
  ...common,
  type: z.literal('TransactionEvent'),
  action,
  bizTransactionList: z.array(bizTransaction).min(1, { error: 'a TransactionEvent names at least one business transaction' }),
  parentID: uri.optional(),
  epcList: epcList.optional(),
  quantityList: quantityList.optional(),
});
const transformationEvent = z.looseObject({
  ...common,
  type: z.literal('TransformationEvent'),
  transformationID: uri.optional(),
  inputEPCList: epcList.optional(),
  inputQuantityList: quantityList.optional(),
  outputEPCList: epcList.optional(),
  outputQuantityList: quantityList.optional(),
  ilmd: ilmd.optional(),
});
const associationEvent = z.looseObject({
  ...common,
  type: z.literal('AssociationEvent'),
  action,
  parentID: uri,
  childEPCs: epcList.optional(),
  childQuantityList: quantityList.optional(),
});

const EVENT_TYPE_NAMES = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'];
const eventSchema = z.discriminatedUnion('type', [objectEvent, aggregationEvent, transactionEvent, transformationEvent, associationEvent], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `expected an event type of EPCIS 2.0 (${EVENT_TYPE_NAMES.join(', ')}); this repository does not accept extension event types`
      : undefined,
});

const vocabularyElement = z.looseObject({
  id: uri,
  attributes: z
    .array(z.looseObject({ id: uri, attribute: z.union([z.number(), z.string(), z.looseObject({})]).optional() }))
    .optional(),
  children: z.array(uri).optional(),
});
const epcisHeader = z.looseObject({
  epcisMasterData: z
    .looseObject({
      vocabularyList: z.array(z.looseObject({ type: uri, vocabularyElementList: z.array(vocabularyElement).optional() })).optional(),
    })
    .optional(),
});

const documentCommon = {
  '@context': context,
  id: uri.optional(),
  schemaVersion: z.string().regex(/^\d+(\.\d+)*$/, { error: 'expected a version such as 2.0' }),
  creationDate: dateTime,
};
const epcisDocument = z.looseObject({
  ...documentCommon,
  type: z.literal('EPCISDocument'),
  instanceIdentifier: z.string().optional(),
  sender: z.string().optional(),
  receiver: z.string().optional(),
  epcisHeader: epcisHeader.optional(),
  epcisBody: z.looseObject({ eventList: z.array(eventSchema, { error: 'expected an array of events' }) }),
});
/** Query results are accepted too, so that a partner can forward what another repository answered. */
const epcisQueryDocument = z.looseObject({
  ...documentCommon,
  schemaVersion: documentCommon.schemaVersion.optional(),
  creationDate: dateTime.optional(),
  type: z.literal('EPCISQueryDocument'),
  epcisBody: z.looseObject({
    queryResults: z.looseObject({
      queryName: z.string(),
      subscriptionID: z.string().optional(),
      resultsBody: z.looseObject({ eventList: z.array(eventSchema, { error: 'expected an array of events' }) }),
    }),
  }),
});
const documentSchema = z.discriminatedUnion('type', [epcisDocument, epcisQueryDocument], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected "EPCISDocument" (or "EPCISQueryDocument")' : undefined),
});

export type EpcisEvent = z.infer<typeof eventSchema>;
export type EpcisDocument = z.infer<typeof documentSchema>;

export interface ValidDocument {
  document: EpcisDocument;
  /** The events, wherever the document type keeps them. */
  events: EpcisEvent[];
  /** JSON path of the event list (`$.epcisBody.eventList` or the query results' list). */
  eventListPath: string;
}

export type Validation = { ok: true; value: ValidDocument } | { ok: false; problems: DocumentProblem[] };

/** Where a document keeps its events, before it is known to be valid. */
export function locateEvents(document: unknown): { list: unknown; path: string } {
  const doc = isObject(document) ? document : {};
  const body = isObject(doc.epcisBody) ? doc.epcisBody : {};
  if (doc.type === 'EPCISQueryDocument') {
    const results = isObject(body.queryResults) ? body.queryResults : {};
    const resultsBody = isObject(results.resultsBody) ? results.resultsBody : {};
    return { list: resultsBody.eventList, path: '$.epcisBody.queryResults.resultsBody.eventList' };
  }
  return { list: body.eventList, path: '$.epcisBody.eventList' };
}

/**
 * Validates a captured document against the EPCIS 2.0 and CBV 2.0 rules. Returns the typed document,
 * or every problem found.
 */
export function validateDocument(document: unknown): Validation {
  return validateDocumentKeyed(document).validation;
}

/**
 * validateDocument, and the canonical key of every identifier it checked, by the (CURIE-expanded)
 * value it parsed. Normalisation reuses them: checking an identifier is parsing it, and parsing
 * identifiers was most of validation and most of normalisation, done twice.
 */
export function validateDocumentKeyed(document: unknown): { validation: Validation; keys: IdentifierKeys } {
  const keys: IdentifierKeys = new Map();
  return { validation: validateWith(document, keys), keys };
}

function validateWith(document: unknown, keys: IdentifierKeys): Validation {
  if (!isObject(document)) {
    return { ok: false, problems: [{ path: '$', reason: `expected an EPCISDocument JSON object, got ${describe(document)}` }] };
  }
  const { path: eventListPath } = locateEvents(document);
  const listSegments = eventListPath.slice(2).split('.');
  const parsed = documentSchema.safeParse(document, { reportInput: true });
  const problems: DocumentProblem[] = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => fromZodIssue(issue, listSegments));
  problems.push(...meaningProblems(document, eventListPath, keys));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: dedupe(problems) };
  const events =
    parsed.data.type === 'EPCISDocument'
      ? parsed.data.epcisBody.eventList
      : parsed.data.epcisBody.queryResults.resultsBody.eventList;
  return { ok: true, value: { document: parsed.data, events, eventListPath } };
}

// ---- zod issues to problems ----------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

function fromZodIssue(issue: Issue, listSegments: string[]): DocumentProblem[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const eventIndex = eventIndexOf(path, listSegments);
  const at = (segments: Array<string | number>) => ({
    ...(eventIndex !== undefined ? { eventIndex } : {}),
    path: jsonPath(segments),
  });
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return [{ ...at(path), reason: `required: ${requiredHint(path)}` }];
      return [{ ...at(path), reason: `expected ${article(issue.expected)}, got ${describe(input)}` }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        ...at([...path, key]),
        reason: `unknown property "${key}": ${closedStructureHint(path)}`,
      }));
    case 'invalid_value': {
      if (input === undefined) return [{ ...at(path), reason: `required: ${requiredHint(path)}` }];
      const expected = issue.message.startsWith('expected ') ? issue.message : `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
      return [{ ...at(path), reason: `${expected}, got ${describe(input)}` }];
    }
    case 'invalid_union': {
      if (input === undefined) return [{ ...at(path), reason: `required: ${requiredHint(path)}` }];
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const target = discriminator && isObject(input) ? [...path] : path;
      const got = discriminator && isObject(input) ? input[discriminator] : input;
      return [{ ...at(target), reason: `${issue.message}, got ${describe(got)}` }];
    }
    case 'too_small':
      return [{ ...at(path), reason: issue.message.startsWith('Too small') ? `must not be empty` : issue.message }];
    default:
      return [{ ...at(path), reason: input === undefined ? issue.message : `${issue.message}, got ${describe(input)}` }];
  }
}

function eventIndexOf(path: Array<string | number>, listSegments: string[]): number | undefined {
  if (path.length <= listSegments.length) return undefined;
  for (let i = 0; i < listSegments.length; i += 1) if (path[i] !== listSegments[i]) return undefined;
  const index = path[listSegments.length];
  return typeof index === 'number' ? index : undefined;
}

function requiredHint(path: Array<string | number>): string {
  const field = path[path.length - 1];
  const hints: Record<string, string> = {
    eventTime: 'when the event happened, ' + DATE_TIME_HINT.replace('expected ', ''),
    eventTimeZoneOffset: 'the local time zone offset of the event, e.g. +01:00',
    action: 'ADD, OBSERVE or DELETE',
    '@context': 'the JSON-LD context, at least "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"',
    schemaVersion: 'the EPCIS version, "2.0"',
    creationDate: 'when the document was created, ' + DATE_TIME_HINT.replace('expected ', ''),
    epcisBody: 'the body holding the eventList',
    eventList: 'the array of events',
    bizTransactionList: 'the business transactions a TransactionEvent is about',
    parentID: 'the identifier of the parent',
    declarationTime: 'when the error was declared',
    epcClass: 'the class identifier the quantity counts',
    id: 'the identifier',
    type: 'the type',
    queryName: 'the name of the query',
  };
  return typeof field === 'string' ? (hints[field] ?? `the field "${field}"`) : 'a value';
}

function closedStructureHint(path: Array<string | number>): string {
  const last = [...path].reverse().find((p) => typeof p === 'string');
  switch (last) {
    case 'quantityList':
    case 'childQuantityList':
    case 'inputQuantityList':
    case 'outputQuantityList':
      return 'a quantity element has only epcClass, quantity and uom';
    case 'bizTransactionList':
      return 'a business transaction has only type and bizTransaction';
    case 'sourceList':
      return 'a source has only type and source';
    case 'destinationList':
      return 'a destination has only type and destination';
    case 'persistentDisposition':
      return 'a persistentDisposition has only set and unset';
    default:
      return 'not allowed here';
  }
}

// ---- the meaning pass ----------------------------------------------------------------------------

/** Prefixes of the EPCIS 2.0 JSON-LD context, in scope for every document that uses it. */
export const STANDARD_PREFIXES: Readonly<Record<string, string>> = {
  epcis: NS.epcis,
  cbv: NS.cbv,
  cbvmda: NS.cbvmda,
  gs1: NS.gs1,
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  owl: 'http://www.w3.org/2002/07/owl#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcterms: 'http://purl.org/dc/terms/',
};

/** URI schemes read as absolute URIs; any other `name:` is a CURIE whose prefix the context must declare. */
const URI_SCHEMES = new Set(['http', 'https', 'urn', 'ni', 'tag', 'geo', 'mailto', 'did', 'data', 'ftp', 'file']);

/** Collects the prefix → namespace IRI mappings a document or event declares in its `@context`. */
export function contextPrefixes(context: unknown, inherited: Readonly<Record<string, string>> = STANDARD_PREFIXES): Record<string, string> {
  const prefixes: Record<string, string> = { ...inherited };
  const entries = Array.isArray(context) ? context : context === undefined ? [] : [context];
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    for (const [prefix, iri] of Object.entries(entry)) {
      if (typeof iri === 'string' && !prefix.startsWith('@')) prefixes[prefix] = iri;
      else if (isObject(iri) && typeof iri['@id'] === 'string') prefixes[prefix] = iri['@id'];
    }
  }
  return prefixes;
}

const COMMON_FIELDS = [
  '@context', 'type', 'eventTime', 'recordTime', 'eventTimeZoneOffset', 'eventID', 'certificationInfo', 'errorDeclaration',
  'bizStep', 'disposition', 'readPoint', 'bizLocation', 'bizTransactionList', 'sourceList', 'destinationList',
  'sensorElementList', 'persistentDisposition',
];
const FIELDS: Record<string, ReadonlySet<string>> = {
  ObjectEvent: new Set([...COMMON_FIELDS, 'action', 'epcList', 'quantityList', 'ilmd']),
  AggregationEvent: new Set([...COMMON_FIELDS, 'action', 'parentID', 'childEPCs', 'childQuantityList']),
  TransactionEvent: new Set([...COMMON_FIELDS, 'action', 'parentID', 'epcList', 'quantityList']),
  TransformationEvent: new Set([
    ...COMMON_FIELDS, 'transformationID', 'inputEPCList', 'inputQuantityList', 'outputEPCList', 'outputQuantityList', 'ilmd',
  ]),
  AssociationEvent: new Set([...COMMON_FIELDS, 'action', 'parentID', 'childEPCs', 'childQuantityList']),
};
const ALL_EVENT_FIELDS = new Set(Object.values(FIELDS).flatMap((s) => [...s]));
const DOCUMENT_FIELDS = new Set([
  '@context', 'id', 'type', 'schemaVersion', 'creationDate', 'instanceIdentifier', 'sender', 'receiver', 'epcisHeader', 'epcisBody',
]);

/** Identifier fields whose GS1 keys (EPC URIs, Digital Links) must be well formed. */
const GS1_ID_LISTS = ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'] as const;
const QUANTITY_LISTS = ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'] as const;

class Collector {
  readonly problems: DocumentProblem[] = [];
  constructor(
    readonly keys: IdentifierKeys,
    private readonly eventIndex?: number,
  ) {}
  add(path: string, reason: string): void {
    this.problems.push({ ...(this.eventIndex !== undefined ? { eventIndex: this.eventIndex } : {}), path, reason });
  }
}

function meaningProblems(doc: JsonObject, eventListPath: string, keys: IdentifierKeys): DocumentProblem[] {
  const scope = contextPrefixes(doc['@context']);
  const top = new Collector(keys);
  for (const key of Object.keys(doc)) {
    if (!DOCUMENT_FIELDS.has(key)) checkExtensionName(top, `$${member(key)}`, key, scope);
  }
  if (isObject(doc.epcisHeader)) checkHeader(top, doc.epcisHeader, scope);
  const problems = [...top.problems];
  const { list } = locateEvents(doc);
  if (Array.isArray(list)) {
    list.forEach((event, index) => {
      if (!isObject(event)) return;
      const c = new Collector(keys, index);
      // An event without a context of its own has the document's prefixes, which are only read.
      const eventScope = event['@context'] === undefined ? scope : contextPrefixes(event['@context'], scope);
      checkEvent(c, event, `${eventListPath}[${index}]`, eventScope);
      problems.push(...c.problems);
    });
  }
  return problems;
}

function checkHeader(c: Collector, header: JsonObject, scope: Record<string, string>): void {
  for (const key of Object.keys(header)) {
    if (key !== 'epcisMasterData') checkExtensionName(c, `$.epcisHeader${member(key)}`, key, scope);
  }
  const masterData = isObject(header.epcisMasterData) ? header.epcisMasterData : {};
  const vocabularies = Array.isArray(masterData.vocabularyList) ? masterData.vocabularyList : [];
  vocabularies.forEach((vocabulary, v) => {
    if (!isObject(vocabulary) || !Array.isArray(vocabulary.vocabularyElementList)) return;
    vocabulary.vocabularyElementList.forEach((element, e) => {
      if (!isObject(element)) return;
      const base = `$.epcisHeader.epcisMasterData.vocabularyList[${v}].vocabularyElementList[${e}]`;
      if (typeof element.id === 'string') checkIdentifier(c, `${base}.id`, element.id, scope);
      if (Array.isArray(element.attributes)) {
        element.attributes.forEach((attribute, a) => {
          if (isObject(attribute) && typeof attribute.id === 'string') {
            checkExtensionName(c, `${base}.attributes[${a}].id`, attribute.id, scope, 'attribute');
          }
        });
      }
    });
  });
}

function checkEvent(c: Collector, e: JsonObject, base: string, scope: Record<string, string>): void {
  const type = typeof e.type === 'string' ? e.type : '';
  const fields = FIELDS[type];
  if (!fields) return; // the shape pass has already said what is wrong with the type
  for (const key of Object.keys(e)) {
    if (fields.has(key)) continue;
    if (ALL_EVENT_FIELDS.has(key)) c.add(`${base}${member(key)}`, `"${key}" is not a field of ${article(type)}`);
    else checkExtensionName(c, `${base}${member(key)}`, key, scope);
  }

  // What each event type must name, and the action rules (EPCIS 2.0 §7.4).
  const has = (field: string, min = 1) => Array.isArray(e[field]) && (e[field] as unknown[]).length >= min;
  const action = e.action;
  switch (type) {
    case 'ObjectEvent':
      if (!Array.isArray(e.epcList) && !has('quantityList') && !(has('sensorElementList') && e.readPoint !== undefined)) {
        c.add(`${base}.epcList`, 'an ObjectEvent names what it concerns: give epcList, a non-empty quantityList, or sensorElementList together with readPoint');
      }
      if (e.ilmd !== undefined && action !== 'ADD') {
        c.add(`${base}.ilmd`, `ilmd describes objects coming into being and is only allowed with action ADD, got action ${describe(action)}`);
      }
      break;
    case 'AggregationEvent':
      if (!has('childEPCs') && !has('childQuantityList') && action !== 'DELETE') {
        c.add(`${base}.childEPCs`, 'an AggregationEvent with action ADD or OBSERVE names its children: give a non-empty childEPCs or childQuantityList');
      }
      if ((action === 'ADD' || action === 'DELETE') && e.parentID === undefined) {
        c.add(`${base}.parentID`, `required for an AggregationEvent with action ${String(action)}: the container being packed or unpacked`);
      }
      break;
    case 'AssociationEvent':
      if (!has('childEPCs') && !has('childQuantityList') && action !== 'DELETE') {
        c.add(`${base}.childEPCs`, 'an AssociationEvent with action ADD or OBSERVE names what is associated: give a non-empty childEPCs or childQuantityList');
      }
      break;
    case 'TransactionEvent':
      if (!Array.isArray(e.epcList) && !has('quantityList') && action !== 'DELETE') {
        c.add(`${base}.epcList`, 'a TransactionEvent with action ADD or OBSERVE names what the transaction concerns: give epcList or a non-empty quantityList');
      }
      break;
    case 'TransformationEvent': {
      const inputs = has('inputEPCList') || has('inputQuantityList');
      const outputs = has('outputEPCList') || has('outputQuantityList');
      if (!(inputs && outputs) && !((inputs || outputs) && e.transformationID !== undefined)) {
        c.add(
          `${base}.inputEPCList`,
          'a TransformationEvent names both inputs and outputs (inputEPCList or inputQuantityList, and outputEPCList or outputQuantityList), or at least one of them together with a transformationID',
        );
      }
      break;
    }
  }

  // Vocabularies.
  vocabulary(c, `${base}.bizStep`, 'bizStep', e.bizStep, scope);
  vocabulary(c, `${base}.disposition`, 'disposition', e.disposition, scope);
  if (isObject(e.persistentDisposition)) {
    for (const key of ['set', 'unset'] as const) {
      const values = e.persistentDisposition[key];
      if (!Array.isArray(values)) continue;
      values.forEach((d, i) => vocabulary(c, `${base}.persistentDisposition.${key}[${i}]`, 'disposition', d, scope));
      if (new Set(values).size !== values.length) c.add(`${base}.persistentDisposition.${key}`, 'lists a disposition twice');
    }
    if (e.persistentDisposition.set === undefined && e.persistentDisposition.unset === undefined) {
      c.add(`${base}.persistentDisposition`, 'needs set, unset or both');
    }
  }
  if (Array.isArray(e.bizTransactionList)) {
    e.bizTransactionList.forEach((bt, i) => {
      if (!isObject(bt)) return;
      vocabulary(c, `${base}.bizTransactionList[${i}].type`, 'bizTransactionType', bt.type, scope);
      if (typeof bt.bizTransaction === 'string') checkIdentifier(c, `${base}.bizTransactionList[${i}].bizTransaction`, bt.bizTransaction, scope);
    });
  }
  for (const [list, inner] of [['sourceList', 'source'], ['destinationList', 'destination']] as const) {
    const value = e[list];
    if (!Array.isArray(value)) continue;
    value.forEach((s, i) => {
      if (!isObject(s)) return;
      vocabulary(c, `${base}.${list}[${i}].type`, 'sourceDestType', s.type, scope);
      if (typeof s[inner] === 'string') checkIdentifier(c, `${base}.${list}[${i}].${inner}`, s[inner] as string, scope);
    });
  }
  if (isObject(e.errorDeclaration)) {
    const ed = e.errorDeclaration;
    for (const key of Object.keys(ed)) {
      if (!['declarationTime', 'reason', 'correctiveEventIDs'].includes(key)) {
        checkExtensionName(c, `${base}.errorDeclaration${member(key)}`, key, scope);
      }
    }
    vocabulary(c, `${base}.errorDeclaration.reason`, 'errorReason', ed.reason, scope);
  }

  // Identifiers.
  for (const list of GS1_ID_LISTS) {
    const value = e[list];
    if (!Array.isArray(value)) continue;
    // The path is only written out for a problem: lists run to thousands of identifiers.
    let strings = true;
    for (let i = 0; i < value.length; i += 1) {
      const id: unknown = value[i];
      if (typeof id !== 'string') {
        strings = false;
        continue;
      }
      const problem = identifierProblem(c, id, scope);
      if (problem !== undefined) c.add(`${base}.${list}[${i}]`, problem);
    }
    if (strings && new Set(value).size !== value.length) {
      c.add(`${base}.${list}`, `names the same identifier more than once: ${[...duplicates(value as string[])].slice(0, 3).join(', ')}`);
    }
  }
  for (const list of QUANTITY_LISTS) {
    const value = e[list];
    if (!Array.isArray(value)) continue;
    for (let i = 0; i < value.length; i += 1) {
      const q: unknown = value[i];
      if (!isObject(q) || typeof q.epcClass !== 'string') continue;
      const problem = identifierProblem(c, q.epcClass, scope);
      if (problem !== undefined) c.add(`${base}.${list}[${i}].epcClass`, problem);
    }
  }
  for (const field of ['parentID', 'transformationID', 'eventID'] as const) {
    if (typeof e[field] === 'string') checkIdentifier(c, `${base}.${field}`, e[field] as string, scope);
  }
  for (const field of ['readPoint', 'bizLocation'] as const) {
    const value = e[field];
    if (!isObject(value)) continue;
    if (typeof value.id === 'string') checkIdentifier(c, `${base}.${field}.id`, value.id, scope);
    for (const key of Object.keys(value)) if (key !== 'id') checkExtensionName(c, `${base}.${field}${member(key)}`, key, scope);
  }

  // Sensor data.
  if (Array.isArray(e.sensorElementList)) {
    e.sensorElementList.forEach((element, s) => {
      if (!isObject(element)) return;
      const at = `${base}.sensorElementList[${s}]`;
      for (const key of Object.keys(element)) {
        if (key !== 'sensorMetadata' && key !== 'sensorReport') checkExtensionName(c, `${at}${member(key)}`, key, scope);
      }
      if (isObject(element.sensorMetadata)) {
        for (const key of Object.keys(element.sensorMetadata)) {
          if (!SENSOR_METADATA_FIELDS.has(key)) checkExtensionName(c, `${at}.sensorMetadata${member(key)}`, key, scope);
        }
      }
      if (!Array.isArray(element.sensorReport)) return;
      element.sensorReport.forEach((report, r) => {
        if (!isObject(report)) return;
        const rp = `${at}.sensorReport[${r}]`;
        for (const key of Object.keys(report)) {
          if (!SENSOR_REPORT_FIELDS.has(key)) checkExtensionName(c, `${rp}${member(key)}`, key, scope);
        }
        if (report.type === undefined && report.exception === undefined) {
          c.add(`${rp}.type`, 'required: the measurement type (e.g. Temperature), unless the report states an exception');
        }
        if (typeof report.type === 'string') gs1Term(c, `${rp}.type`, 'measurement type', report.type, scope);
        if (typeof report.exception === 'string') {
          gs1Term(c, `${rp}.exception`, 'sensor alert type', report.exception, scope, ['ALARM_CONDITION', 'ERROR_CONDITION']);
        }
        vocabulary(c, `${rp}.component`, 'component', report.component, scope);
      });
    });
  }

  // ILMD fields need a namespace like any extension.
  if (isObject(e.ilmd)) {
    for (const key of Object.keys(e.ilmd)) checkExtensionName(c, `${base}.ilmd${member(key)}`, key, scope, 'ILMD field');
  }
}

const SENSOR_METADATA_FIELDS = new Set(['time', 'startTime', 'endTime', 'deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules']);
const SENSOR_REPORT_FIELDS = new Set([
  'type', 'exception', 'deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules', 'time', 'microorganism',
  'chemicalSubstance', 'coordinateReferenceSystem', 'value', 'component', 'stringValue', 'booleanValue', 'hexBinaryValue',
  'uriValue', 'minValue', 'maxValue', 'meanValue', 'sDev', 'percRank', 'percValue', 'uom',
]);

const VOCABULARY_NAMES: Record<VocabularyKind, string> = {
  bizStep: 'business step (bizStep)',
  disposition: 'disposition',
  bizTransactionType: 'business transaction type',
  sourceDestType: 'source/destination type',
  errorReason: 'error reason',
  component: 'sensor component',
};

/**
 * A CBV value is accepted as the bare word, the URN (`urn:epcglobal:cbv:bizstep:shipping`) or the web
 * URI (`https://ref.gs1.org/cbv/BizStep-shipping`) of a CBV 2.0 term, or as a URI (or declared CURIE)
 * of the user's own that is not in the CBV's namespaces.
 */
function vocabulary(c: Collector, path: string, kind: VocabularyKind, value: unknown, scope: Record<string, string>): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    c.add(path, `expected a string, got ${describe(value)}`);
    return;
  }
  const terms = CBV_TERMS[kind];
  if (terms.has(value)) return;
  const expanded = expandCurie(value, scope);
  const forms = CBV_FORMS[kind];
  const name = VOCABULARY_NAMES[kind];
  for (const prefix of [forms.urn, forms.web]) {
    if (!expanded.startsWith(prefix)) continue;
    const term = expanded.slice(prefix.length);
    if (!terms.has(term)) c.add(path, `"${term}" is not a CBV 2.0 ${name}${suggestion(term, terms)}; ${termsHint(kind)}`);
    return;
  }
  if (/^urn:epcglobal:cbv:/i.test(expanded)) {
    c.add(path, `"${value}" is in the CBV's URN namespace but is not a CBV 2.0 ${name} (expected ${forms.urn}<term>)`);
    return;
  }
  if (!value.includes(':')) {
    c.add(path, `unknown ${name} "${value}"${suggestion(value, terms)}: a bare word must be a CBV 2.0 value (${termsHint(kind)}); anything else must be a URI of your own`);
    return;
  }
  checkIdentifier(c, path, value, scope);
}

/** Common values, named in messages about the two long vocabularies. */
const EXAMPLES = new Set(['shipping', 'receiving', 'commissioning', 'dispensing', 'in_transit', 'active', 'in_progress', 'dispensed']);

function termsHint(kind: VocabularyKind): string {
  const terms = [...CBV_TERMS[kind]];
  if (terms.length <= 14) return `expected one of ${terms.join(', ')}`;
  return `expected one of the ${terms.length} CBV 2.0 values such as ${terms.filter((t) => EXAMPLES.has(t)).join(', ')}`;
}

/** GS1 Web Vocabulary terms (measurement and alert types): a bare term, `gs1:Term`, or a URI of one's own. */
function gs1Term(c: Collector, path: string, name: string, value: string, scope: Record<string, string>, known?: string[]): void {
  if (/^[A-Za-z][A-Za-z0-9_]*$/.test(value)) {
    if (known && !known.includes(value)) c.add(path, `unknown ${name} "${value}": expected one of ${known.join(', ')} or a URI`);
    return;
  }
  checkIdentifier(c, path, value, scope);
}

/**
 * A value that is a URI. A CURIE whose prefix the @context declares is read expanded; any other
 * `scheme:…` is an absolute URI as JSON-LD reads it. GS1 keys (EPC URIs, Digital Links) must be well formed.
 */
function checkIdentifier(c: Collector, path: string, value: string, scope: Record<string, string>): void {
  const problem = identifierProblem(c, value, scope);
  if (problem !== undefined) c.add(path, problem);
}

/** What is wrong with an identifier (see checkIdentifier), or undefined; its key is kept in c.keys. */
function identifierProblem(c: Collector, value: string, scope: Record<string, string>): string | undefined {
  if (!isUri(value)) return undefined; // the shape pass says what is wrong
  const expanded = expandCurie(value, scope);
  let found = c.keys.get(expanded);
  if (found === undefined) {
    found = tryIdentifierKey(expanded);
    c.keys.set(expanded, found);
  }
  return found.ok ? undefined : found.message;
}

/** Canonical keys by the identifier they were read from; see validateDocumentKeyed. */
export type IdentifierKeys = Map<string, IdentifierKeyResult>;

/** Expands `prefix:local` when the prefix is declared in the @context (and is not a URI scheme such as http). */
export function expandCurie(value: string, scope: Readonly<Record<string, string>>): string {
  // Most values are URNs and web URIs, whose schemes the test below would find in URI_SCHEMES.
  if (value.startsWith('urn:') || value.startsWith('https:') || value.startsWith('http:')) return value;
  const m = CURIE.exec(value);
  if (!m || (m[2] ?? '').startsWith('//') || URI_SCHEMES.has((m[1] as string).toLowerCase())) return value;
  const ns = scope[m[1] as string];
  return ns === undefined ? value : ns + m[2];
}

const CURIE = /^([A-Za-z_][\w.-]*):(.*)$/s;

/** Extension properties (and ILMD fields, master data attributes) need a namespace the reader can resolve. */
function checkExtensionName(c: Collector, path: string, name: string, scope: Record<string, string>, what = 'extension field'): void {
  if (/^https?:\/\/\S+$/.test(name) || /^urn:\S+$/.test(name)) return;
  const curie = /^([A-Za-z_][\w.-]*):(\S+)$/.exec(name);
  if (!curie) {
    c.add(path, `unknown property "${name}": ${article(what)} needs a namespace, written prefix:${name} with the prefix declared in @context, or as a full IRI`);
    return;
  }
  if (scope[curie[1] as string] === undefined && !URI_SCHEMES.has((curie[1] as string).toLowerCase())) {
    c.add(path, `${what} "${name}" uses the prefix "${curie[1]}", which the @context does not declare`);
  }
}

// ---- small helpers -------------------------------------------------------------------------------

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `.name` for plain keys, `["prefix:name"]` for anything else. */
function member(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function jsonPath(segments: ReadonlyArray<string | number>): string {
  return `$${segments.map(member).join('')}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value === 'string' ? 'string' : typeof value} ${text.length > 80 ? `${text.slice(0, 77)}…"` : text}`;
}

function article(noun: string): string {
  return /^[aeiouAEIOU]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function duplicates(values: string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return twice;
}

function dedupe(problems: DocumentProblem[]): DocumentProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** " (did you mean shipping?)" when a known term is one or two edits away. */
function suggestion(value: string, terms: ReadonlySet<string>): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const term of terms) {
    if (value.length >= 3 && value.toLowerCase().startsWith(term) && term.length >= 3) return ` (did you mean ${term}?)`;
    const d = editDistance(value.toLowerCase(), term);
    if (d < bestDistance) {
      bestDistance = d;
      best = term;
    }
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
