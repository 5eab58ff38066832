/**
 * The floor: the trace answer computed by direct SQL on one PostgreSQL database that holds all three
 * nodes' data (one schema per node, the nodes' own tables and indexes). One statement reads every
 * node's events and container stays for the unit (following cases and pallets exactly as the nodes
 * do), the lot and its components, and the master data it names; a second one reads the component
 * suppliers and sites. The merge is the kit's own `buildCustodyChain`, so the answer is the gateway's
 * answer to the same selection (bench/queries.ts: what the bench's investigator may read), and the
 * benchmark checks that it is. The floor does no authentication: it is the cost of the data alone.
 */
import pg from 'pg';
import { buildCustodyChain } from '@tracefed/kit/custody/chain';
import { ATTR } from '@tracefed/kit/epcis/vocabulary';
import { glnOf, ssccOf, type CustodyEventValue, type NodeRole, type PartyValue, type SourceDestinationValue } from '@tracefed/kit/graphql/resolvers';
import { parseUnitCode, unitKey } from '@tracefed/kit/gs1/index';
import type { BizTransaction, SourceOrDestination } from '@tracefed/kit/epcis/types';

const SCHEMAS = ['manufacturer', 'distributor', 'dispenser'] as const;
type Schema = (typeof SCHEMAS)[number];
const ROLE: Record<Schema, NodeRole> = { manufacturer: 'MANUFACTURER', distributor: 'DISTRIBUTOR', dispenser: 'DISPENSER' };
const MAX_NESTING = 8;

const EVENT_TYPE: Record<string, string> = {
  ObjectEvent: 'OBJECT_EVENT',
  AggregationEvent: 'AGGREGATION_EVENT',
  TransformationEvent: 'TRANSFORMATION_EVENT',
  TransactionEvent: 'TRANSACTION_EVENT',
  AssociationEvent: 'ASSOCIATION_EVENT',
};

function nodeCtes(s: Schema): string {
  return `
  ${s}_stays(container_key, valid_from, valid_to, depth) AS (
    SELECT c.parent_key, c.valid_from, c.valid_to, 1 FROM ${s}.containment c WHERE c.child_key = $1
    UNION ALL
    SELECT c.parent_key, GREATEST(st.valid_from, c.valid_from),
           CASE WHEN st.valid_to IS NULL THEN c.valid_to WHEN c.valid_to IS NULL THEN st.valid_to
                ELSE LEAST(st.valid_to, c.valid_to) END,
           st.depth + 1
    FROM ${s}_stays st JOIN ${s}.containment c ON c.child_key = st.container_key
      AND c.valid_from < COALESCE(st.valid_to, 'infinity'::timestamptz)
      AND COALESCE(c.valid_to, 'infinity'::timestamptz) > st.valid_from
    WHERE st.depth < ${MAX_NESTING}
  ),
  ${s}_hits AS (
    SELECT x.event_pk, 0 AS depth FROM ${s}.event_epc x WHERE x.epc_key = $1
    UNION ALL
    SELECT x.event_pk, st.depth FROM ${s}_stays st
    JOIN ${s}.event_epc x ON x.epc_key = st.container_key
    JOIN ${s}.epcis_event ev ON ev.id = x.event_pk AND ev.event_time >= st.valid_from
      AND (st.valid_to IS NULL OR ev.event_time < st.valid_to)
  ),
  ${s}_ev AS MATERIALIZED (
    SELECT e.id, e.event_id, e.owner_gln, e.event_type, e.event_time, e.biz_step, e.disposition,
           e.biz_transactions, e.sources, e.destinations, e.extensions
    FROM (SELECT DISTINCT event_pk FROM ${s}_hits) h JOIN ${s}.epcis_event e ON e.id = h.event_pk
    WHERE e.error_declaration IS NULL
  )`;
}

function vocabularyOf(s: Schema, extraKeys: string): string {
  return `(SELECT COALESCE(json_object_agg(v.key, v.attributes), '{}'::json) FROM ${s}.vocabulary_element v
     WHERE v.key IN (SELECT '/417/' || owner_gln FROM ${s}_ev
                     UNION SELECT sd->>'key' FROM ${s}_ev, jsonb_array_elements(sources || destinations) sd
                     ${extraKeys}))`;
}

const TRACE_SQL = `WITH RECURSIVE ${SCHEMAS.map(nodeCtes).join(',')},
  commissioning AS (
    SELECT e.ilmd FROM manufacturer.event_epc x JOIN manufacturer.epcis_event e ON e.id = x.event_pk
    WHERE x.epc_key = $1 AND x.role IN ('epc', 'output') AND e.error_declaration IS NULL AND e.biz_step = 'commissioning'
    ORDER BY e.event_time, e.id LIMIT 1
  ),
  -- The lot class by its canonical key (a GS1 Digital Link path), as the manufacturer node finds it; a lot
  -- number that Digital Link would percent-encode would miss here, and the answer check would show it.
  transformation AS (
    SELECT e.id, e.ilmd FROM commissioning c
    JOIN manufacturer.event_epc x ON x.epc_key = '/01/' || $2 || '/10/' || (c.ilmd->>'${ATTR.lotNumber}') AND x.role = 'outputQuantity'
    JOIN manufacturer.epcis_event e ON e.id = x.event_pk AND e.event_type = 'TransformationEvent' AND e.error_declaration IS NULL
    ORDER BY e.event_time, e.id LIMIT 1
  ),
  inputs AS (
    SELECT x.epc_key, x.gtin, x.lot, x.quantity, x.uom FROM manufacturer.event_epc x
    WHERE x.event_pk = (SELECT id FROM transformation) AND x.role = 'inputQuantity'
  )
  SELECT
    (SELECT COALESCE(json_agg(json_build_object('node', node, 'eventID', event_id, 'owner', owner_gln, 'eventType', event_type,
        'eventTime', event_time, 'bizStep', biz_step, 'disposition', disposition, 'bizTransactions', biz_transactions,
        'sources', sources, 'destinations', destinations, 'extensions', extensions) ORDER BY ord, event_time, id), '[]'::json)
     FROM (${SCHEMAS.map((s, i) => `SELECT ${i} AS ord, '${s}' AS node, * FROM ${s}_ev`).join(' UNION ALL ')}) all_events) AS events,
    (SELECT COALESCE(json_agg(json_build_object('node', node, 'key', container_key, 'depth', depth, 'from', valid_from)
        ORDER BY ord, valid_from, depth), '[]'::json)
     FROM (${SCHEMAS.map((s, i) => `SELECT ${i} AS ord, '${s}' AS node, * FROM ${s}_stays`).join(' UNION ALL ')}) all_stays) AS containers,
    (SELECT ilmd FROM commissioning) AS commissioning,
    (SELECT ilmd FROM transformation) AS transformation,
    (SELECT COALESCE(json_agg(i ORDER BY i.epc_key), '[]'::json) FROM inputs i) AS inputs,
    ${vocabularyOf('manufacturer', `UNION SELECT '/01/' || $2 UNION SELECT epc_key FROM inputs`)} AS manufacturer_vocabulary,
    ${vocabularyOf('distributor', '')} AS distributor_vocabulary,
    ${vocabularyOf('dispenser', '')} AS dispenser_vocabulary`;

const MASTER_DATA_SQL = 'SELECT key, attributes FROM manufacturer.vocabulary_element WHERE key = ANY($1::text[])';

interface FloorEvent {
  node: Schema;
  eventID: string;
  owner: string;
  eventType: string;
  eventTime: string;
  bizStep: string | null;
  disposition: string | null;
  bizTransactions: BizTransaction[];
  sources: SourceOrDestination[];
  destinations: SourceOrDestination[];
  extensions: Record<string, unknown> | null;
}

interface TraceRow {
  events: FloorEvent[];
  containers: Array<{ node: Schema; key: string; depth: number; from: string }>;
  commissioning: Record<string, unknown> | null;
  transformation: Record<string, unknown> | null;
  inputs: Array<{ epc_key: string; gtin: string | null; lot: string | null; quantity: number | null; uom: string | null }>;
  manufacturer_vocabulary: Record<string, Record<string, unknown>>;
  distributor_vocabulary: Record<string, Record<string, unknown>>;
  dispenser_vocabulary: Record<string, Record<string, unknown>>;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const isoTime = (value: string) => new Date(value).toISOString();

export interface FloorAnswer {
  data?: { trace: unknown };
  errors?: Array<{ message: string }>;
}

/** Creates the floor over a pool on the floor database. */
export function createFloor(pool: pg.Pool) {
  return {
    /** The trace, as `{ data: { trace } }` with the same fields the benchmark's GraphQL selection asks for. */
    async trace(code: string): Promise<FloorAnswer> {
      let unit: { gtin: string; serial: string };
      try {
        unit = parseUnitCode(code);
      } catch (error) {
        return { errors: [{ message: (error as Error).message }] };
      }
      const key = unitKey(unit.gtin, unit.serial);
      const row = (await pool.query<TraceRow>(TRACE_SQL, [key, unit.gtin])).rows[0] as TraceRow;
      const vocabulary: Record<Schema, Record<string, Record<string, unknown>>> = {
        manufacturer: row.manufacturer_vocabulary,
        distributor: row.distributor_vocabulary,
        dispenser: row.dispenser_vocabulary,
      };
      const party = (node: Schema, gln: string): PartyValue => {
        const a = vocabulary[node][`/417/${gln}`] ?? {};
        return { gln, name: text(a[ATTR.name]), role: text(a[ATTR.partyRole]), country: text(a[ATTR.countryCode]) };
      };

      // Component lots: their master data names the supplier and the production site.
      const components = row.transformation ? row.inputs : [];
      const wanted = new Set<string>();
      for (const input of components) {
        const master = vocabulary.manufacturer[input.epc_key] ?? {};
        const supplier = text(master[ATTR.supplier]);
        const site = text(master[ATTR.productionSite]);
        if (supplier) wanted.add(`/417/${glnOf(supplier) ?? supplier}`);
        const siteGln = site ? glnOf(site) : null;
        if (siteGln) wanted.add(`/414/${siteGln}`);
      }
      if (wanted.size > 0) {
        const rows = (await pool.query<{ key: string; attributes: Record<string, unknown> }>(MASTER_DATA_SQL, [[...wanted]])).rows;
        for (const r of rows) vocabulary.manufacturer[r.key] = r.attributes;
      }

      const present = (e: FloorEvent): CustodyEventValue => {
        const sd = (s: SourceOrDestination): SourceDestinationValue => {
          const gln = glnOf(s.key);
          return { type: s.type, id: s.id, party: gln && !s.key.startsWith('/414/') ? party(e.node, gln) : null, location: null };
        };
        return {
          eventID: e.eventID,
          eventType: EVENT_TYPE[e.eventType] ?? 'OBJECT_EVENT',
          eventTime: isoTime(e.eventTime),
          eventTimeZoneOffset: '',
          recordTime: '',
          node: ROLE[e.node],
          recordedBy: party(e.node, e.owner),
          action: null,
          bizStep: e.bizStep,
          disposition: e.disposition,
          readPoint: null,
          bizLocation: null,
          via: null,
          sources: e.sources.map(sd),
          destinations: e.destinations.map(sd),
          bizTransactions: [],
        };
      };
      const byNode = (node: Schema) => row.events.filter((e) => e.node === node);
      const chain = buildCustodyChain(SCHEMAS.map((node) => byNode(node).map(present)));
      const containers = row.containers
        .map((c) => ({ sscc: ssccOf(c.key), depth: c.depth, node: ROLE[c.node], from: Date.parse(c.from) }))
        .sort((a, b) => a.from - b.from || a.depth - b.depth)
        .map(({ sscc, depth, node }) => ({ sscc, depth, node }));
      const name = (p: PartyValue | null) => (p ? { name: p.name } : null);

      const sales = byNode('distributor')
        .filter((e) => e.bizStep === 'shipping' && e.bizTransactions.some((b) => b.type === 'inv'))
        .map((e) => {
          const partyKey = (list: SourceOrDestination[]) =>
            list.find((s) => s.type === 'owning_party')?.key ?? list.find((s) => s.type === 'possessing_party')?.key ?? null;
          const sellerKey = partyKey(e.sources);
          const buyerKey = partyKey(e.destinations);
          const buyerGln = buyerKey ? glnOf(buyerKey) : null;
          const price = e.extensions?.[ATTR.unitPrice];
          const currency = e.extensions?.[ATTR.currency];
          return {
            seller: name(party('distributor', (sellerKey && glnOf(sellerKey)) ?? e.owner)),
            buyer: buyerGln ? name(party('distributor', buyerGln)) : null,
            unitPrice: typeof price === 'number' ? price : typeof price === 'string' ? Number(price) : null,
            currency: typeof currency === 'string' ? currency : null,
          };
        });
      const product = vocabulary.manufacturer[`/01/${unit.gtin}`] ?? {};
      const lotNumber = text(row.commissioning?.[ATTR.lotNumber]);
      const trace = {
        gtin: unit.gtin,
        serial: unit.serial,
        product: { name: text(product[ATTR.regulatedProductName]) ?? text(product[ATTR.name]), strength: text(product[ATTR.strengthDescription]) },
        lot: lotNumber
          ? {
              lotNumber,
              expiry: text(row.transformation?.[ATTR.itemExpirationDate]),
              manufactureDate: text(row.transformation?.[ATTR.productionDate]),
              components: components.map((input) => {
                const master = vocabulary.manufacturer[input.epc_key] ?? {};
                const supplier = text(master[ATTR.supplier]);
                const site = text(master[ATTR.productionSite]);
                const siteGln = site ? glnOf(site) : null;
                const siteMaster = siteGln ? (vocabulary.manufacturer[`/414/${siteGln}`] ?? {}) : null;
                return {
                  material: text(master[ATTR.name]),
                  lotNumber: input.lot ?? '',
                  manufactureDate: text(master[ATTR.productionDate]),
                  supplier: supplier ? name(party('manufacturer', glnOf(supplier) ?? supplier)) : null,
                  site: siteMaster ? { name: text(siteMaster[ATTR.name]), country: text(siteMaster[ATTR.countryCode]) } : null,
                };
              }),
            }
          : null,
        custody: {
          status: chain.status,
          currentCustodian: name(chain.currentCustodian),
          hops: chain.hops.map((h) => ({
            holder: name(h.holder),
            from: isoTime(h.from),
            to: h.to ? isoTime(h.to) : null,
            receivedFrom: name(h.receivedFrom),
            shippedTo: name(h.shippedTo),
          })),
          containers,
          breaks: chain.breaks.map((b) => ({ code: b.code, message: b.message })),
        },
        sales,
      };
      return { data: { trace } };
    },
  };
}

export type Floor = ReturnType<typeof createFloor>;
