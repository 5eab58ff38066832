/**
 * Business anomalies, found while a document is stored (inside its transaction): events that are well
 * formed but contradict what this node already knows. They are kept, because they are evidence, and
 * flagged here with the events that show the contradiction. A node judges only what it can see: a
 * receipt is checked against shipments only when the shipper is a partner on this node too.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import type { NormalisedEvent } from './normalise.ts';

export const ANOMALY_CODES = ['COMMISSIONED_TWICE', 'ALREADY_DISPENSED', 'SHIPPED_NOT_COMMISSIONED', 'RECEIVED_WITHOUT_SHIPMENT'] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

export interface Anomaly {
  /** The flagged event. */
  eventId: string;
  code: AnomalyCode;
  message: string;
  /** The flagged event first, then the events that contradict it. */
  eventIds: string[];
}

interface Stored {
  pk: number;
  event: NormalisedEvent;
}

const LISTED = 3;

/** Serials (sgtin keys) an event names directly in its epcList. */
function serials(event: NormalisedEvent): string[] {
  return event.epcs.filter((r) => r.role === 'epc' && r.serial !== undefined).map((r) => r.epcKey);
}

function listed(keys: string[]): string {
  return keys.slice(0, LISTED).join(', ') + (keys.length > LISTED ? ` and ${keys.length - LISTED} more` : '');
}

/**
 * Checks the newly stored events against the node's data (including each other) and records what
 * contradicts it. Returns the anomalies recorded. Every check is one statement for the whole document,
 * driven by the identifiers it names (index lookups), so its cost follows the document, not the store.
 */
export async function detectAnomalies(tx: Executor, stored: Stored[], owner: string, captureId: string | null): Promise<Anomaly[]> {
  const live = stored.filter((s) => s.event.errorDeclaration === null);
  const found: Array<Anomaly & { pk: number }> = [];
  found.push(...(await earlierWith(tx, live, 'COMMISSIONED_TWICE')));
  found.push(...(await earlierWith(tx, live, 'ALREADY_DISPENSED')));
  found.push(...(await shippedUnknown(tx, live)));
  found.push(...(await receivedWithoutShipment(tx, live)));
  await resolveReceipts(tx, live, owner);
  if (found.length > 0) {
    const rows = found.map((a) => ({ event_pk: a.pk, code: a.code, message: a.message, event_ids: a.eventIds }));
    await tx.execute(
      sql`INSERT INTO event_anomaly (event_pk, code, message, event_ids, capture_id)
          SELECT r.event_pk, r.code, r.message, r.event_ids, ${captureId}::text
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(event_pk bigint, code text, message text, event_ids jsonb)
          ON CONFLICT DO NOTHING`,
    );
  }
  return found.map(({ pk: _pk, ...anomaly }) => anomaly);
}

/**
 * A serial commissioned, or dispensed, by an event captured earlier: the later capture is flagged.
 * Capture order (the event's primary key) decides, so the result does not depend on clocks.
 */
async function earlierWith(tx: Executor, live: Stored[], code: 'COMMISSIONED_TWICE' | 'ALREADY_DISPENSED'): Promise<Array<Anomaly & { pk: number }>> {
  const commissioning = code === 'COMMISSIONED_TWICE';
  const candidates = live.filter(({ event }) =>
    commissioning ? event.bizStep === 'commissioning' && event.action === 'ADD' : event.disposition === 'dispensed',
  );
  // Per serial, the latest candidate naming it: only events captured before that one can be evidence,
  // so a document of fresh serials reads back nothing.
  const latest = new Map<string, number>();
  for (const { pk, event } of candidates) for (const key of serials(event)) latest.set(key, Math.max(pk, latest.get(key) ?? 0));
  if (latest.size === 0) return [];
  const condition = commissioning
    ? sql`e.biz_step = 'commissioning' AND e.action = 'ADD'`
    : sql`e.disposition = 'dispensed'`;
  const rows = await queryRows<{ epc_key: string; pk: string | number; event_id: string; event_time: string | Date }>(
    tx,
    sql`SELECT q.epc_key, h.pk, h.event_id, h.event_time
        FROM unnest(${sql.param([...latest.keys()])}::text[], ${sql.param([...latest.values()])}::bigint[]) AS q(epc_key, before_pk)
        CROSS JOIN LATERAL (SELECT event_pk FROM event_epc x WHERE x.epc_key = q.epc_key AND x.role = 'epc' OFFSET 0) x
        CROSS JOIN LATERAL (
          SELECT e.id AS pk, e.event_id, e.event_time FROM epcis_event e
          WHERE e.id = x.event_pk AND e.id < q.before_pk AND ${condition} AND e.error_declaration IS NULL
          OFFSET 0
        ) h
        ORDER BY h.pk`,
  );
  if (rows.length === 0) return [];
  const byKey = new Map<string, Array<{ pk: number; eventId: string; at: Date }>>();
  for (const r of rows) {
    const list = byKey.get(r.epc_key) ?? [];
    list.push({ pk: Number(r.pk), eventId: r.event_id, at: new Date(r.event_time) });
    byKey.set(r.epc_key, list);
  }
  const out: Array<Anomaly & { pk: number }> = [];
  for (const { pk, event } of candidates) {
    const repeated: string[] = [];
    const evidence = new Map<string, Date>();
    for (const key of serials(event)) {
      const earlier = (byKey.get(key) ?? []).filter((r) => r.pk < pk);
      if (earlier.length === 0) continue;
      repeated.push(key);
      for (const r of earlier) evidence.set(r.eventId, r.at);
    }
    if (repeated.length === 0) continue;
    const first = [...evidence.entries()][0] as [string, Date];
    const message = commissioning
      ? `commissions ${repeated.length} serial(s) that were already commissioned: ${listed(repeated)} (first by ${first[0]} at ${first[1].toISOString()})`
      : `dispenses ${repeated.length} pack(s) that were already dispensed: ${listed(repeated)} (by ${first[0]} at ${first[1].toISOString()})`;
    out.push({ pk, eventId: event.eventId, code, message, eventIds: [event.eventId, ...evidence.keys()] });
  }
  return out;
}

/** A shipment naming serials this node has never seen: no commissioning, no other event, no container. */
async function shippedUnknown(tx: Executor, live: Stored[]): Promise<Array<Anomaly & { pk: number }>> {
  const shipments = live.filter(({ event }) => event.bizStep === 'shipping');
  const keys = [...new Set(shipments.flatMap(({ event }) => serials(event)))];
  if (keys.length === 0) return [];
  // Only serials seen by at most one event come back (with that event, or none): a serial is unknown to
  // a shipment when nothing but the shipment itself names it.
  const rows = await queryRows<{ epc_key: string; pk: string | number | null }>(
    tx,
    sql`SELECT q.epc_key, s.lo AS pk
        FROM unnest(${sql.param(keys)}::text[]) AS q(epc_key)
        CROSS JOIN LATERAL (
          SELECT min(pk) AS lo, max(pk) AS hi FROM (
            SELECT e.id AS pk
            FROM (SELECT event_pk FROM event_epc x WHERE x.epc_key = q.epc_key OFFSET 0) x
            CROSS JOIN LATERAL (SELECT id FROM epcis_event e WHERE e.id = x.event_pk AND e.error_declaration IS NULL OFFSET 0) e
            UNION ALL
            SELECT 0 FROM containment c WHERE c.child_key = q.epc_key
          ) seen
        ) s
        WHERE s.lo IS NULL OR s.lo = s.hi`,
  );
  if (rows.length === 0) return [];
  const onlySeenBy = new Map(rows.map((r) => [r.epc_key, r.pk === null ? null : Number(r.pk)]));
  const out: Array<Anomaly & { pk: number }> = [];
  for (const { pk, event } of shipments) {
    const unknown = serials(event).filter((key) => {
      if (!onlySeenBy.has(key)) return false;
      const by = onlySeenBy.get(key);
      return by === null || by === pk;
    });
    if (unknown.length === 0) continue;
    out.push({
      pk,
      eventId: event.eventId,
      code: 'SHIPPED_NOT_COMMISSIONED',
      message: `ships ${unknown.length} serial(s) this node never saw commissioned, received or packed: ${listed(unknown)}`,
      eventIds: [event.eventId],
    });
  }
  return out;
}

/** The party GLN a receipt names as its source (owning or possessing party), if any. */
function sourceParty(event: NormalisedEvent): string | null {
  const party = event.sources.find((s) => (s.type === 'owning_party' || s.type === 'possessing_party') && s.key.startsWith('/417/'));
  return party ? party.key.slice('/417/'.length) : null;
}

/**
 * A receipt whose shipper is a partner on this node, yet none of that partner's shipments (at or before
 * the receipt) names anything that was received.
 */
async function receivedWithoutShipment(tx: Executor, live: Stored[]): Promise<Array<Anomaly & { pk: number }>> {
  const receipts = live
    .filter(({ event }) => event.bizStep === 'receiving')
    .map((s) => ({ ...s, shipper: sourceParty(s.event), keys: s.event.epcs.filter((r) => r.role === 'epc').map((r) => r.epcKey) }))
    .filter((r): r is typeof r & { shipper: string } => r.shipper !== null && r.keys.length > 0);
  if (receipts.length === 0) return [];
  const shippers = [...new Set(receipts.map((r) => r.shipper))];
  // One index probe per shipper (owner_gln leads an index), not a scan of the shipper's events.
  const partners = await queryRows<{ owner_gln: string }>(
    tx,
    sql`SELECT q.owner_gln FROM unnest(${sql.param(shippers)}::text[]) AS q(owner_gln)
        CROSS JOIN LATERAL (SELECT 1 FROM epcis_event e WHERE e.owner_gln = q.owner_gln LIMIT 1) e`,
  );
  const onThisNode = new Set(partners.map((p) => p.owner_gln));
  const checked = receipts.filter((r) => onThisNode.has(r.shipper));
  if (checked.length === 0) return [];
  const keys = [...new Set(checked.flatMap((r) => r.keys))];
  const shipped = await queryRows<{ epc_key: string; owner_gln: string; event_time: string | Date }>(
    tx,
    sql`SELECT q.epc_key, h.owner_gln, h.event_time
        FROM unnest(${sql.param(keys)}::text[]) AS q(epc_key)
        CROSS JOIN LATERAL (SELECT event_pk FROM event_epc x WHERE x.epc_key = q.epc_key AND x.role = 'epc' OFFSET 0) x
        CROSS JOIN LATERAL (
          SELECT e.owner_gln, e.event_time FROM epcis_event e
          WHERE e.id = x.event_pk AND e.biz_step = 'shipping'
            AND e.owner_gln = ANY(${sql.param([...onThisNode])}::text[]) AND e.error_declaration IS NULL
          OFFSET 0
        ) h`,
  );
  const shipmentsOf = new Map<string, Array<{ owner: string; at: number }>>();
  for (const s of shipped) {
    const list = shipmentsOf.get(s.epc_key) ?? [];
    list.push({ owner: s.owner_gln, at: new Date(s.event_time).getTime() });
    shipmentsOf.set(s.epc_key, list);
  }
  const out: Array<Anomaly & { pk: number }> = [];
  for (const r of checked) {
    const at = r.event.eventTime.getTime();
    const matched = r.keys.some((key) => (shipmentsOf.get(key) ?? []).some((s) => s.owner === r.shipper && s.at <= at));
    if (matched) continue;
    out.push({
      pk: r.pk,
      eventId: r.event.eventId,
      code: 'RECEIVED_WITHOUT_SHIPMENT',
      message: `receives ${listed(r.keys)} from ${r.shipper}, a partner on this node that recorded no shipment of it before ${r.event.eventTime.toISOString()}`,
      eventIds: [r.event.eventId],
    });
  }
  return out;
}

/**
 * Events may arrive out of order: a shipment captured after the receipt it explains clears that
 * receipt's RECEIVED_WITHOUT_SHIPMENT flag. One statement for every shipment of the document: per
 * identifier shipped, its earliest shipment time here is what a later receipt has to follow.
 */
async function resolveReceipts(tx: Executor, live: Stored[], owner: string): Promise<void> {
  const earliest = new Map<string, number>();
  for (const { event } of live) {
    if (event.bizStep !== 'shipping') continue;
    const at = event.eventTime.getTime();
    for (const ref of event.epcs) {
      if (ref.role !== 'epc') continue;
      const prior = earliest.get(ref.epcKey);
      if (prior === undefined || at < prior) earliest.set(ref.epcKey, at);
    }
  }
  if (earliest.size === 0) return;
  const shipped = [...earliest].map(([key, at]) => ({ key, at: new Date(at).toISOString() }));
  await tx.execute(
    sql`DELETE FROM event_anomaly WHERE ctid = ANY(ARRAY(
          SELECT a.ctid FROM jsonb_to_recordset(${JSON.stringify(shipped)}::jsonb) AS s(key text, at timestamptz)
          CROSS JOIN LATERAL (SELECT event_pk FROM event_epc rx WHERE rx.epc_key = s.key AND rx.role = 'epc' OFFSET 0) rx
          CROSS JOIN LATERAL (
            SELECT r.id FROM epcis_event r
            WHERE r.id = rx.event_pk AND r.event_time >= s.at AND r.sources @> ${JSON.stringify([{ key: `/417/${owner}` }])}::jsonb
            OFFSET 0
          ) r
          CROSS JOIN LATERAL (
            SELECT ctid FROM event_anomaly a WHERE a.event_pk = r.id AND a.code = 'RECEIVED_WITHOUT_SHIPMENT' OFFSET 0
          ) a))`,
  );
}
