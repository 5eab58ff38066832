import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCheckDigit, toDigitalLink } from '@tracefed/kit/gs1/index';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { createWhereaboutsRepository } from '@tracefed/kit/epcis/whereabouts';
import { groupsOf } from '@tracefed/kit/investigations/positions';
import { rebuildUnitPositions } from '@tracefed/kit/epcis/positions-store';
import { queryRows, sql, type Db } from '@tracefed/kit/db/connection';
import { startNetwork, type Network } from './harness.ts';

/**
 * The position table capture keeps (positions-store.ts) against the whole-history definition it stands
 * for (whereabouts.ts `latestEventsOfLots`): for every demo lot on every node the two answers are the
 * same, and every unit's row is the row a rebuild from history writes. Checked after the demo's capture,
 * then after out-of-order capture, a retraction, a repack, an unpack-all, a retracted aggregation and a
 * stay shortened by a late removal,
 * each captured through the kit's ingest (the function the capture endpoint calls). Runs on PGlite, and
 * on PostgreSQL when TRACEFED_TEST_DATABASE_URL is set.
 */
let net: Network;
let lots: Array<{ gtin: string; lot: string; serials: string[] }>;
beforeAll(async () => {
  net = await startNetwork();
  lots = (
    await queryRows<{ gtin: string; lot: string; serials: string[] }>(
      net.databases.manufacturer.db,
      sql`SELECT x.gtin, x.lot, array_agg(DISTINCT x.serial ORDER BY x.serial) AS serials
          FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk AND e.biz_step = 'commissioning' AND e.error_declaration IS NULL
          WHERE x.serial IS NOT NULL AND x.lot IS NOT NULL GROUP BY x.gtin, x.lot ORDER BY x.gtin, x.lot`,
    )
  ).map((l) => ({ ...l, serials: typeof l.serials === 'string' ? parsePgArray(l.serials) : l.serials }));
}, 120_000);
afterAll(async () => {
  await net?.stop();
});

function parsePgArray(text: string): string[] {
  return text.replace(/^\{|\}$/g, '').split(',').map((s) => s.replace(/^"|"$/g, ''));
}

/** serial -> deciding event ID, per lot. */
type Answer = Array<Record<string, string>>;
const flatten = (
  groups: Awaited<ReturnType<ReturnType<typeof createWhereaboutsRepository>['latestEventsOfLots']>>,
  asked: ReadonlyArray<{ serials: readonly string[] }> = lots,
): Answer => groups.map((lot, i) => Object.fromEntries(groupsOf(lot).flatMap((g) => g.units.map((u) => [asked[i]!.serials[u] as string, g.event.eventId] as const))));

/** Both answers for every demo lot on one node. */
async function answers(db: Db) {
  const repo = createWhereaboutsRepository(db);
  return { history: flatten(await repo.latestEventsOfLots(lots)), table: flatten(await repo.positionsOfLots(lots)) };
}

/** Every unit's row as capture left it, and as a rebuild from history writes it. */
async function rowsAndRebuilt(db: Db) {
  const read = async () =>
    (
      await queryRows<{ unit_key: string; event_pk: string | number; step_rank: number }>(
        db,
        sql`SELECT unit_key, event_pk, step_rank FROM unit_position ORDER BY unit_key`,
      )
    ).map((r) => `${r.unit_key} ${r.event_pk} ${r.step_rank}`);
  const maintained = await read();
  await db.execute(sql`DELETE FROM unit_position_state`);
  await rebuildUnitPositions(db);
  return { maintained, rebuilt: await read() };
}

async function expectEquivalentEverywhere(): Promise<void> {
  for (const [node, database] of Object.entries(net.databases)) {
    const { history, table } = await answers(database.db);
    expect(table, `${node}: position table vs history`).toEqual(history);
    const { maintained, rebuilt } = await rowsAndRebuilt(database.db);
    expect(maintained, `${node}: maintained rows vs rebuilt from history`).toEqual(rebuilt);
  }
}

let ssccCounter = 0;
function newSscc(prefix: string): string {
  ssccCounter += 1;
  const base = `9${prefix}${String(ssccCounter).padStart(16 - prefix.length, '0')}`;
  return `${base}${computeCheckDigit(base)}`;
}

let eventCounter = 0;
const eventId = () => `urn:uuid:7a1c0de0-0000-4000-8000-${String(++eventCounter).padStart(12, '0')}`;

function document(events: Array<Record<string, unknown>>) {
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: events },
  };
}

describe('the position table equals the whole-history answer', () => {
  it('after the demo was captured, for every demo lot on every node', async () => {
    expect(lots.length).toBeGreaterThan(3);
    for (const [node, database] of Object.entries(net.databases)) {
      const [count] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM unit_position`);
      if (node !== 'logistics') expect(Number(count?.n), `${node} has positions`).toBeGreaterThan(0);
    }
    await expectEquivalentEverywhere();
  });

  it('after out-of-order capture, a retraction, a repack, an unpack-all and a retracted aggregation', async () => {
    const harbor = net.demo.parties.harbor;
    const db = net.databases.distributor.db;
    const repo = createWhereaboutsRepository(db);
    // Three Metformin packs in Harbor's stock.
    const units = net.demo.pallets[9]!.units.slice(30, 33);
    const lotIndex = lots.findIndex((l) => l.gtin === units[0]!.gtin && l.lot === units[0]!.lot);
    expect(lotIndex).toBeGreaterThanOrEqual(0);
    const sgtin = (u: (typeof units)[number]) => toDigitalLink({ kind: 'sgtin', gtin: u.gtin, serial: u.serial });
    const sscc = (code: string) => toDigitalLink({ kind: 'sscc', sscc: code });
    const site = { id: toDigitalLink({ kind: 'sgln', gln: harbor.site.gln }) };
    const at = (day: number) => new Date(Date.UTC(2030, 0, day, 12)).toISOString();
    const base = { eventTimeZoneOffset: '+00:00', readPoint: site, bizLocation: site };
    const decidingOf = async (u: (typeof units)[number]) => flatten(await repo.positionsOfLots([lots[lotIndex]!]), [lots[lotIndex]!])[0]![u.serial];
    const tote = newSscc(harbor.prefix);
    const bin = newSscc(harbor.prefix);
    const cage = newSscc(harbor.prefix);

    // Out of order: an event on a tote is captured before the aggregation that put the packs in it earlier.
    const observed = eventId();
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([{ type: 'ObjectEvent', eventID: observed, eventTime: at(10), action: 'OBSERVE', bizStep: 'storing', epcList: [sscc(tote)], ...base }]),
    });
    expect(await decidingOf(units[0]!)).not.toBe(observed);
    const packed = eventId();
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        { type: 'AggregationEvent', eventID: packed, eventTime: at(5), action: 'ADD', bizStep: 'packing', parentID: sscc(tote), childEPCs: units.map(sgtin), ...base },
      ]),
    });
    for (const u of units) expect(await decidingOf(u)).toBe(observed);
    await expectEquivalentEverywhere();

    // The tote event is declared erroneous: the packs fall back to their packing.
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        {
          type: 'ObjectEvent',
          eventID: observed,
          eventTime: at(10),
          action: 'OBSERVE',
          bizStep: 'storing',
          epcList: [sscc(tote)],
          errorDeclaration: { declarationTime: at(11), reason: 'incorrect_data' },
          ...base,
        },
      ]),
    });
    for (const u of units) expect(await decidingOf(u)).toBe(packed);
    await expectEquivalentEverywhere();

    // Repack: the first pack leaves the tote for a bin, the bin goes into a cage, the cage is counted.
    const taken = eventId();
    const moved = eventId();
    const caged = eventId();
    const counted = eventId();
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        { type: 'AggregationEvent', eventID: taken, eventTime: at(12), action: 'DELETE', bizStep: 'unpacking', parentID: sscc(tote), childEPCs: [sgtin(units[0]!)], ...base },
        { type: 'AggregationEvent', eventID: moved, eventTime: at(12), action: 'ADD', bizStep: 'packing', parentID: sscc(bin), childEPCs: [sgtin(units[0]!)], ...base },
        { type: 'AggregationEvent', eventID: caged, eventTime: at(13), action: 'ADD', bizStep: 'packing', parentID: sscc(cage), childEPCs: [sscc(bin)], ...base },
        { type: 'ObjectEvent', eventID: counted, eventTime: at(14), action: 'OBSERVE', bizStep: 'cycle_counting', epcList: [sscc(cage)], ...base },
      ]),
    });
    expect(await decidingOf(units[0]!)).toBe(counted);
    // Taking a pack out names the tote, which still holds the other two: that event reaches them too.
    expect(await decidingOf(units[1]!)).toBe(taken);
    await expectEquivalentEverywhere();

    // Unpack-all: the tote is emptied without naming its children; the other two packs are released by it.
    const emptied = eventId();
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([{ type: 'AggregationEvent', eventID: emptied, eventTime: at(15), action: 'DELETE', bizStep: 'unpacking', parentID: sscc(tote), ...base }]),
    });
    expect(await decidingOf(units[1]!)).toBe(emptied);
    expect(await decidingOf(units[0]!)).toBe(counted);
    await expectEquivalentEverywhere();

    // The bin never went into the cage: that aggregation is retracted, so the count no longer reaches the pack.
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        {
          type: 'AggregationEvent',
          eventID: caged,
          eventTime: at(13),
          action: 'ADD',
          bizStep: 'packing',
          parentID: sscc(cage),
          childEPCs: [sscc(bin)],
          errorDeclaration: { declarationTime: at(16), reason: 'incorrect_data' },
          ...base,
        },
      ]),
    });
    expect(await decidingOf(units[0]!)).toBe(moved);
    await expectEquivalentEverywhere();

    // A stay shortened late: the third pack goes into a crate, the crate is counted; then a removal from
    // the crate before the count arrives. The count no longer reaches the pack; its removal decides.
    const crate = newSscc(harbor.prefix);
    const crateCounted = eventId();
    const removed = eventId();
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        { type: 'AggregationEvent', eventID: eventId(), eventTime: at(20), action: 'ADD', bizStep: 'packing', parentID: sscc(crate), childEPCs: [sgtin(units[2]!)], ...base },
        { type: 'ObjectEvent', eventID: crateCounted, eventTime: at(22), action: 'OBSERVE', bizStep: 'cycle_counting', epcList: [sscc(crate)], ...base },
      ]),
    });
    expect(await decidingOf(units[2]!)).toBe(crateCounted);
    await ingestDocument(db, {
      owner: harbor.gln,
      document: document([
        { type: 'AggregationEvent', eventID: removed, eventTime: at(21), action: 'DELETE', bizStep: 'unpacking', parentID: sscc(crate), childEPCs: [sgtin(units[2]!)], ...base },
      ]),
    });
    expect(await decidingOf(units[2]!)).toBe(removed);
    await expectEquivalentEverywhere();
  });

  it('fills the table from history on first use when a node has events it never saw', async () => {
    const db = net.databases.dispenser.db;
    const before = await answers(db);
    await db.execute(sql`DELETE FROM unit_position`);
    await db.execute(sql`DELETE FROM unit_position_state`);
    // A new repository: the first use in this process of a database whose table is empty and unmarked.
    const { table } = await answers(db);
    expect(table).toEqual(before.history);
    const [state] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM unit_position_state`);
    expect(Number(state?.n)).toBe(1);
  });
});
