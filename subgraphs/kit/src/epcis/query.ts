/**
 * The EPCIS 2.0 query interface (SimpleEventQuery parameters over the REST binding): parameter parsing
 * (pure) and the event store query it runs. Identifiers in parameters go through the same canonical
 * keys as captured events, so an event captured with `urn:epc:id:sgtin:…` is found with the Digital
 * Link of the same pack, and the reverse.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import { Gs1Error } from '../gs1/index.ts';
import { identifierKey } from './identifiers.ts';
import { EVENT_TYPES } from './types.ts';
import { expandCurie, isDateTime, STANDARD_PREFIXES, type DocumentProblem } from './validate.ts';
import { normaliseVocabulary } from './vocabulary.ts';

/** One MATCH_* parameter: any of its identifiers, in any of its roles. */
interface EpcMatch {
  roles: readonly string[];
  /** Exact canonical keys. */
  keys: string[];
  /** GTINs from patterns (`urn:epc:idpat:sgtin:….*`, or a Digital Link with only a GTIN): any serial or lot. */
  gtins: string[];
}

export interface EventQuery {
  eventTypes: string[];
  actions: string[];
  bizSteps: string[];
  dispositions: string[];
  readPoints: string[];
  bizLocations: string[];
  eventIds: string[];
  geEventTime?: Date;
  ltEventTime?: Date;
  geRecordTime?: Date;
  ltRecordTime?: Date;
  matches: EpcMatch[];
  /** Only events captured by these partners (GLNs); absent: every partner's. */
  owners?: string[];
  perPage: number;
  /** At most this many events in total, over all pages. */
  eventCountLimit?: number;
  after?: PageToken;
}

interface PageToken {
  /** eventTime (ISO) and primary key of the last event served, and how many were served so far. */
  t: string;
  id: number;
  n: number;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

const INSTANCE_ROLES = { epc: ['epc', 'child'], parent: ['parent'], input: ['input'], output: ['output'] } as const;
const MATCH_ROLES: Record<string, readonly string[]> = {
  MATCH_epc: INSTANCE_ROLES.epc,
  MATCH_parentID: INSTANCE_ROLES.parent,
  MATCH_inputEPC: INSTANCE_ROLES.input,
  MATCH_outputEPC: INSTANCE_ROLES.output,
  MATCH_anyEPC: ['epc', 'child', 'parent', 'input', 'output'],
  MATCH_epcClass: ['epcQuantity', 'childQuantity'],
  MATCH_inputEPCClass: ['inputQuantity'],
  MATCH_outputEPCClass: ['outputQuantity'],
  MATCH_anyEPCClass: ['epcQuantity', 'childQuantity', 'inputQuantity', 'outputQuantity'],
};

const LIST_PARAMS = ['eventType', 'EQ_action', 'EQ_bizStep', 'EQ_disposition', 'EQ_readPoint', 'EQ_bizLocation', 'EQ_eventID'];
const TIME_PARAMS = ['GE_eventTime', 'LT_eventTime', 'GE_recordTime', 'LT_recordTime'];
const NUMBER_PARAMS = ['perPage', 'eventCountLimit'];
export const SUPPORTED_PARAMS = [...LIST_PARAMS, ...Object.keys(MATCH_ROLES), ...TIME_PARAMS, ...NUMBER_PARAMS, 'nextPageToken'];

export type ParsedQuery = { ok: true; query: EventQuery } | { ok: false; problems: DocumentProblem[] };

/**
 * Reads SimpleEventQuery parameters. A parameter may repeat, and list values may also be separated by
 * `|` (neither GS1 identifiers nor CBV values contain one). Unknown parameters are refused, as the
 * standard asks, rather than silently ignored.
 */
export function parseEventQuery(params: URLSearchParams, extra: Record<string, string[]> = {}): ParsedQuery {
  const problems: DocumentProblem[] = [];
  const problem = (name: string, reason: string) => problems.push({ path: name, reason });
  const values = (name: string): string[] => [
    ...(extra[name] ?? []),
    ...params.getAll(name).flatMap((v) => v.split('|')).map((v) => v.trim()).filter((v) => v.length > 0),
  ];
  for (const name of new Set(params.keys())) {
    if (!SUPPORTED_PARAMS.includes(name)) {
      problem(name, `unknown query parameter "${name}"; this repository supports ${SUPPORTED_PARAMS.join(', ')}`);
    }
  }
  const query: EventQuery = {
    eventTypes: values('eventType'),
    actions: values('EQ_action'),
    bizSteps: values('EQ_bizStep').map((v) => normaliseVocabulary('bizStep', expandCurie(v, STANDARD_PREFIXES))),
    dispositions: values('EQ_disposition').map((v) => normaliseVocabulary('disposition', expandCurie(v, STANDARD_PREFIXES))),
    readPoints: [],
    bizLocations: [],
    eventIds: values('EQ_eventID'),
    matches: [],
    perPage: DEFAULT_PER_PAGE,
  };
  for (const t of query.eventTypes) {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) problem('eventType', `unknown event type "${t}"; expected one of ${EVENT_TYPES.join(', ')}`);
  }
  for (const a of query.actions) {
    if (!['ADD', 'OBSERVE', 'DELETE'].includes(a)) problem('EQ_action', `unknown action "${a}"; expected ADD, OBSERVE or DELETE`);
  }
  const key = (name: string, value: string): { key?: string; gtin?: string } => {
    try {
      const { key: k, id } = identifierKey(value);
      return id?.kind === 'gtin' ? { gtin: id.gtin } : { key: k };
    } catch (error) {
      if (!(error instanceof Gs1Error)) throw error;
      problem(name, `"${value}": ${error.message}`);
      return {};
    }
  };
  query.readPoints = values('EQ_readPoint').flatMap((v) => key('EQ_readPoint', v).key ?? []);
  query.bizLocations = values('EQ_bizLocation').flatMap((v) => key('EQ_bizLocation', v).key ?? []);
  for (const [name, roles] of Object.entries(MATCH_ROLES)) {
    const given = values(name);
    if (given.length === 0) continue;
    const match: EpcMatch = { roles, keys: [], gtins: [] };
    for (const v of given) {
      const k = key(name, v);
      if (k.key) match.keys.push(k.key);
      if (k.gtin) match.gtins.push(k.gtin);
    }
    query.matches.push(match);
  }
  const time = (name: string): Date | undefined => {
    const [v, ...more] = params.getAll(name);
    if (v === undefined) return undefined;
    if (more.length > 0) problem(name, 'given more than once');
    if (!isDateTime(v)) {
      problem(name, `"${v}" is not a date-time; expected e.g. 2026-03-01T00:00:00Z (URL-encode "+" in an offset as %2B)`);
      return undefined;
    }
    return new Date(v);
  };
  const ge = time('GE_eventTime');
  const lt = time('LT_eventTime');
  const geR = time('GE_recordTime');
  const ltR = time('LT_recordTime');
  if (ge) query.geEventTime = ge;
  if (lt) query.ltEventTime = lt;
  if (geR) query.geRecordTime = geR;
  if (ltR) query.ltRecordTime = ltR;
  const count = (name: string, max: number): number | undefined => {
    const v = params.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) {
      problem(name, `"${v}" is not a whole number from 1 to ${max}`);
      return undefined;
    }
    return n;
  };
  query.perPage = count('perPage', MAX_PER_PAGE) ?? DEFAULT_PER_PAGE;
  const limit = count('eventCountLimit', Number.MAX_SAFE_INTEGER);
  if (limit !== undefined) query.eventCountLimit = limit;
  const token = params.get('nextPageToken');
  if (token !== null) {
    const after = decodeToken(token);
    if (after) query.after = after;
    else problem('nextPageToken', 'is not a token this repository issued; start again without it');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, query };
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    if (typeof t.t === 'string' && isDateTime(t.t) && Number.isInteger(t.id) && Number.isInteger(t.n)) {
      return { t: t.t, id: t.id as number, n: t.n as number };
    }
  } catch {
    // fall through: not ours
  }
  return undefined;
}

export interface QueryPage {
  /** Stored events as captured, with their eventID (the hash when they came without one) and recordTime. */
  events: Record<string, unknown>[];
  /** Present when more events match: pass it back as `nextPageToken`. */
  nextPageToken?: string;
}

/** Runs an event query: one statement, keyset-paginated by (eventTime, capture order). */
export async function queryEvents(db: Executor, query: EventQuery): Promise<QueryPage> {
  const served = query.after?.n ?? 0;
  const remaining = query.eventCountLimit === undefined ? Infinity : query.eventCountLimit - served;
  const pageSize = Math.max(0, Math.min(query.perPage, remaining));
  if (pageSize === 0) return { events: [] };
  const conditions: SQL[] = [];
  const anyOf = (column: SQL, list: string[]) => conditions.push(sql`${column} = ANY(${sql.param(list)}::text[])`);
  if (query.eventTypes.length > 0) anyOf(sql`e.event_type`, query.eventTypes);
  if (query.actions.length > 0) anyOf(sql`e.action`, query.actions);
  if (query.bizSteps.length > 0) anyOf(sql`e.biz_step`, query.bizSteps);
  if (query.dispositions.length > 0) anyOf(sql`e.disposition`, query.dispositions);
  if (query.readPoints.length > 0) anyOf(sql`e.read_point`, query.readPoints);
  if (query.bizLocations.length > 0) anyOf(sql`e.biz_location`, query.bizLocations);
  if (query.eventIds.length > 0) anyOf(sql`e.event_id`, query.eventIds);
  if (query.owners) anyOf(sql`e.owner_gln`, query.owners);
  if (query.geEventTime) conditions.push(sql`e.event_time >= ${query.geEventTime.toISOString()}`);
  if (query.ltEventTime) conditions.push(sql`e.event_time < ${query.ltEventTime.toISOString()}`);
  if (query.geRecordTime) conditions.push(sql`e.record_time >= ${query.geRecordTime.toISOString()}`);
  if (query.ltRecordTime) conditions.push(sql`e.record_time < ${query.ltRecordTime.toISOString()}`);
  for (const m of query.matches) {
    const instance = m.roles.some((r) => !r.endsWith('Quantity'));
    conditions.push(sql`EXISTS (SELECT 1 FROM event_epc x WHERE x.event_pk = e.id
      AND x.role = ANY(${sql.param([...m.roles])}::text[])
      AND (x.epc_key = ANY(${sql.param(m.keys)}::text[])
           OR (x.gtin = ANY(${sql.param(m.gtins)}::text[]) AND ${instance ? sql`x.serial IS NOT NULL` : sql`x.serial IS NULL`})))`);
  }
  if (query.after) conditions.push(sql`(e.event_time, e.id) > (${query.after.t}::timestamptz, ${query.after.id})`);
  const where = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  const rows = await queryRows<{ pk: string | number; event_time: string | Date; record_time: string | Date; document: unknown }>(
    db,
    sql`SELECT e.id AS pk, e.event_time, e.record_time, e.document FROM epcis_event e ${where}
        ORDER BY e.event_time, e.id LIMIT ${pageSize + 1}`,
  );
  const page = rows.slice(0, pageSize);
  const events = page.map((r) => {
    const document = (typeof r.document === 'string' ? JSON.parse(r.document) : r.document) as Record<string, unknown>;
    return readable({ ...document, recordTime: new Date(r.record_time).toISOString() });
  });
  const last = page[page.length - 1];
  const more = rows.length > pageSize && served + page.length < (query.eventCountLimit ?? Infinity);
  return more && last
    ? { events, nextPageToken: encodeToken({ t: new Date(last.event_time).toISOString(), id: Number(last.pk), n: served + page.length }) }
    : { events };
}

const LEADING = ['@context', 'type', 'eventID', 'eventTime', 'eventTimeZoneOffset', 'recordTime', 'errorDeclaration'];

/** The store (jsonb) keeps keys in its own order; answers lead with what a reader looks for first. */
function readable(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of LEADING) if (key in event) out[key] = event[key];
  for (const [key, value] of Object.entries(event)) if (!(key in out)) out[key] = value;
  return out;
}
