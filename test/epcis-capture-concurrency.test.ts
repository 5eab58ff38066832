/**
 * Captures that arrive at once are judged as if they came one after the other, in arrival order. The
 * anomaly checks read what earlier captures stored, so two store transactions running side by side
 * would miss each other: a serial commissioned in two concurrent documents would go unflagged, and a
 * receipt captured next to the shipment that explains it would stay flagged. The documents go through
 * captureDocument, the function behind POST /epcis/capture, started together as concurrent requests
 * would be. Runs on PGlite, and on PostgreSQL when TRACEFED_TEST_DATABASE_URL is set, where a second
 * connection pool on the same database stands for a second process (only the database lock is shared).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, sql, type Database } from '@tracefed/kit/db/connection';
import { captureDocument, type CaptureJob } from '@tracefed/kit/epcis/capture';
import { computeCheckDigit, formatSgtinUrn } from '@tracefed/kit/gs1/index';
import * as dispenser from '@tracefed/dispenser';
import { openTestDatabase } from './harness.ts';

const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
const PREFIX = '4098765';
const withCheck = (digits: string) => `${digits}${computeCheckDigit(digits)}`;
const GTIN = withCheck(`0${PREFIX}00042`);
const SHIPPER = withCheck(`${PREFIX}00011`);
const RECEIVER = withCheck(`${PREFIX}00022`);
const partyUrn = (gln: string) => `urn:epc:id:pgln:${PREFIX}.${gln.slice(PREFIX.length, 12)}`;

/** Enough events per document that, unserialised, the stores of concurrent documents overlap. */
const EVENTS = 40;
const SERIALS_PER_EVENT = 25;

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase(dispenser.migrationsFolder, 'concurrency');
}, 60_000);
afterAll(async () => {
  await database?.close();
});

const document = (events: unknown[]) => ({
  '@context': [EPCIS_CONTEXT],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: '2026-11-28T10:00:00Z',
  epcisBody: { eventList: events },
});

/** Serial numbers for one test: `EVENTS` groups of `SERIALS_PER_EVENT`, unique to the run. */
function serialGroups(tag: string): string[][] {
  return Array.from({ length: EVENTS }, (_, e) =>
    Array.from({ length: SERIALS_PER_EVENT }, (_, s) => formatSgtinUrn(GTIN, `${tag}${e}x${s}`, PREFIX.length)),
  );
}

const event = (bizStep: string, at: string, epcList: string[], extra: Record<string, unknown> = {}) => ({
  type: 'ObjectEvent',
  eventID: `urn:uuid:${randomUUID()}`,
  eventTime: `${at}+00:00`,
  eventTimeZoneOffset: '+00:00',
  action: bizStep === 'commissioning' ? 'ADD' : 'OBSERVE',
  bizStep,
  epcList,
  ...extra,
});

const capture = (db: Database, partner: string, events: unknown[]) => captureDocument(db.db, { partner, document: document(events) });

async function anomalyCodes(eventIds: string[]): Promise<string[]> {
  const rows = await queryRows<{ code: string }>(
    database.db,
    sql`SELECT a.code FROM event_anomaly a JOIN epcis_event e ON e.id = a.event_pk
        WHERE e.event_id = ANY(${sql.param(eventIds)}::text[]) ORDER BY a.code`,
  );
  return rows.map((r) => r.code);
}

const flagged = (job: CaptureJob, code: string) => job.anomalies.filter((a) => a.code === code).length;

/** Commissions the same serials in `copies` documents started at once; the first to arrive is the original. */
async function commissionTwiceConcurrently(handles: Database[], tag: string, copies: number): Promise<void> {
  const groups = serialGroups(tag);
  const jobs = await Promise.all(
    Array.from({ length: copies }, (_, i) =>
      capture(handles[i % handles.length] as Database, SHIPPER, groups.map((g) => event('commissioning', `2026-07-01T08:0${i}:00`, g))),
    ),
  );
  // Without one store at a time, a document stored next to another sees none of its serials.
  const perDocument = jobs.map((job) => flagged(job, 'COMMISSIONED_TWICE'));
  if (handles.length === 1) {
    expect(perDocument).toEqual([0, ...Array.from({ length: copies - 1 }, () => EVENTS)]);
  } else {
    // Two processes: which one's store runs first is up to the database lock, but exactly one goes first.
    expect([...perDocument].sort((a, b) => a - b)).toEqual([0, ...Array.from({ length: copies - 1 }, () => EVENTS)]);
  }
  const stored = jobs.flatMap((job) => job.capturedEventIDs);
  expect(stored).toHaveLength(copies * EVENTS);
  expect(await anomalyCodes(stored)).toEqual(Array.from({ length: (copies - 1) * EVENTS }, () => 'COMMISSIONED_TWICE'));
}

/**
 * A receipt from a partner on this node, with the shipment that explains it captured at the same
 * moment (arriving just after it): stored in that order, the receipt is flagged and the shipment then
 * clears the flag. Several pairs go at once, so that unserialised stores would overlap.
 */
async function receiptNextToItsShipment(handles: Database[], tag: string, pairs: number): Promise<void> {
  const groups = serialGroups(tag);
  // The shipper commissions the serials first, so it is a partner this node knows.
  await capture(handles[0] as Database, SHIPPER, groups.map((g) => event('commissioning', '2026-07-02T06:00:00', g)));
  const calls: Array<Promise<CaptureJob>> = [];
  for (let p = 0; p < pairs; p += 1) {
    const mine = groups.filter((_, i) => i % pairs === p);
    const receipts = mine.map((g) =>
      event('receiving', `2026-07-02T12:0${p}:00`, g, { sourceList: [{ type: 'owning_party', source: partyUrn(SHIPPER) }] }),
    );
    const shipments = mine.map((g) =>
      event('shipping', `2026-07-02T09:0${p}:00`, g, { destinationList: [{ type: 'owning_party', destination: partyUrn(RECEIVER) }] }),
    );
    calls.push(capture(handles[(2 * p) % handles.length] as Database, RECEIVER, receipts));
    calls.push(capture(handles[(2 * p + 1) % handles.length] as Database, SHIPPER, shipments));
  }
  const jobs = await Promise.all(calls);
  const receiptIds = jobs.filter((_, i) => i % 2 === 0).flatMap((job) => job.capturedEventIDs);
  expect(receiptIds).toHaveLength(EVENTS);
  if (handles.length === 1) {
    // In arrival order every receipt came before its shipment, so each was flagged when it was stored...
    expect(jobs.filter((_, i) => i % 2 === 0).map((job) => flagged(job, 'RECEIVED_WITHOUT_SHIPMENT'))).toEqual(
      Array.from({ length: pairs }, (_, p) => groups.filter((_, i) => i % pairs === p).length),
    );
  }
  // ...and, whichever order the stores took, no receipt stays flagged: its shipment is on record.
  expect(await anomalyCodes(receiptIds)).toEqual([]);
}

describe('concurrent captures on one node are stored one at a time, in arrival order', () => {
  it('flags a serial commissioned in concurrent documents, in every document after the first', async () => {
    await commissionTwiceConcurrently([database], 'c', 4);
  });

  it('clears the flag of a receipt whose shipment was captured at the same time', async () => {
    await receiptNextToItsShipment([database], 'r', 4);
  });
});

describe.skipIf(!process.env.TRACEFED_TEST_DATABASE_URL)('two processes on one PostgreSQL database', () => {
  let second: Database;
  beforeAll(async () => {
    const [row] = await queryRows<{ name: string }>(database.db, sql`SELECT current_database() AS name`);
    const url = new URL(process.env.TRACEFED_TEST_DATABASE_URL as string);
    url.pathname = `/${row?.name}`;
    second = await openDatabase({ url: url.toString(), migrationsFolder: dispenser.migrationsFolder, maxConnections: 4 });
  });
  afterAll(async () => {
    await second?.close();
  });

  it('serialises their stores through the database lock', async () => {
    await commissionTwiceConcurrently([database, second], 'p', 4);
    await receiptNextToItsShipment([database, second], 'q', 4);
  });
});
