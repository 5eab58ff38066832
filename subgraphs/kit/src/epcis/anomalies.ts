/**
 * Business anomalies, found while a document is stored (inside its transaction): events that are well
 * formed but contradict what this node already knows. They are kept, because they are evidence, and
 * flagged here with the events that show the contradiction. A node judges only what it can see: a
 * receipt is checked against shipments only when the shipper is a partner on this node too.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/connection.ts';
import type { NormalisedEvent } from './normalise.ts';
import { eventAnomaly } from './tables.ts';

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
 * contradicts it. Returns the anomalies recorded.
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
    await tx
      .insert(eventAnomaly)
      .values(found.map((a) => ({ eventPk: a.pk, code: a.code, message: a.message, eventIds: a.eventIds, captureId })))
      .onConflictDoNothing();
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
  const keys = [...new Set(candidates.flatMap(({ event }) => serials(event)))];
  if (keys.length === 0) return [];
  const condition = commissioning
    ? sql`e.biz_step = 'commissioning' AND e.action = 'ADD'`
    : sql`e.disposition = 'dispensed'`;
  const rows = await queryRows<{ epc_key: string; pk: string | number; event_id: string; event_time: string | Date }>(
    tx,
    sql`SELECT x.epc_key, e.id AS pk, e.event_id, e.event_time FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
        WHERE x.role = 'epc' AND x.epc_key = ANY(${sql.param(keys)}::text[]) AND ${condition} AND e.error_declaration IS NULL
        ORDER BY e.id`,
  );
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
  const rows = await queryRows<{ epc_key: string; pk: string | number }>(
    tx,
    sql`SELECT x.epc_key, x.event_pk AS pk FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
        WHERE x.epc_key = ANY(${sql.param(keys)}::text[]) AND e.error_declaration IS NULL
        UNION ALL
        SELECT child_key, 0 FROM containment WHERE child_key = ANY(${sql.param(keys)}::text[])`,
  );
  const seenBy = new Map<string, Set<number>>();
  for (const r of rows) {
    const set = seenBy.get(r.epc_key) ?? new Set<number>();
    set.add(Number(r.pk));
    seenBy.set(r.epc_key, set);
  }
  const out: Array<Anomaly & { pk: number }> = [];
  for (const { pk, event } of shipments) {
    const unknown = serials(event).filter((key) => [...(seenBy.get(key) ?? [])].every((other) => other === pk));
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
  const partners = await queryRows<{ owner_gln: string }>(
    tx,
    sql`SELECT DISTINCT owner_gln FROM epcis_event WHERE owner_gln = ANY(${sql.param(shippers)}::text[])`,
  );
  const onThisNode = new Set(partners.map((p) => p.owner_gln));
  const checked = receipts.filter((r) => onThisNode.has(r.shipper));
  if (checked.length === 0) return [];
  const keys = [...new Set(checked.flatMap((r) => r.keys))];
  const shipped = await queryRows<{ epc_key: string; owner_gln: string; event_time: string | Date }>(
    tx,
    sql`SELECT x.epc_key, e.owner_gln, e.event_time FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
        WHERE x.role = 'epc' AND x.epc_key = ANY(${sql.param(keys)}::text[]) AND e.biz_step = 'shipping'
          AND e.error_declaration IS NULL`,
  );
  const out: Array<Anomaly & { pk: number }> = [];
  for (const r of checked) {
    const at = r.event.eventTime.getTime();
    const matched = shipped.some(
      (s) => s.owner_gln === r.shipper && r.keys.includes(s.epc_key) && new Date(s.event_time).getTime() <= at,
    );
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
 * receipt's RECEIVED_WITHOUT_SHIPMENT flag.
 */
async function resolveReceipts(tx: Executor, live: Stored[], owner: string): Promise<void> {
  if (!live.some(({ event }) => event.bizStep === 'shipping')) return;
  const open = await queryRows(tx, sql`SELECT 1 FROM event_anomaly WHERE code = 'RECEIVED_WITHOUT_SHIPMENT' LIMIT 1`);
  if (open.length === 0) return;
  for (const { event } of live) {
    if (event.bizStep !== 'shipping') continue;
    const keys = event.epcs.filter((r) => r.role === 'epc').map((r) => r.epcKey);
    if (keys.length === 0) continue;
    await tx.execute(
      sql`DELETE FROM event_anomaly a USING epcis_event r
          WHERE a.code = 'RECEIVED_WITHOUT_SHIPMENT' AND a.event_pk = r.id
            AND r.event_time >= ${event.eventTime.toISOString()}
            AND r.sources @> ${JSON.stringify([{ key: `/417/${owner}` }])}::jsonb
            AND EXISTS (SELECT 1 FROM event_epc rx WHERE rx.event_pk = r.id AND rx.role = 'epc'
                        AND rx.epc_key = ANY(${sql.param(keys)}::text[]))`,
    );
  }
}
