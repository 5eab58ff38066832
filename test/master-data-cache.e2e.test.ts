import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCheckDigit, toDigitalLink } from '@tracefed/kit/gs1/index';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { startNetwork, type Network, type NodeName } from './harness.ts';

/**
 * Each node keeps master data (parties, locations, products) per process (kit/src/epcis/masterDataCache.ts).
 * A trace after a capture of master data must show it at once: through HTTP capture, through
 * ingestDocument, and for an element the node did not have before (a cached "absent").
 */
let net: Network;

const TRACE = /* GraphQL */ `
  query($code: String!) {
    trace(code: $code) {
      custody { events { eventID node recordedBy { gln name } bizLocation { gln extension name } } }
    }
  }
`;

interface TracedEvent {
  eventID: string;
  node: string;
  recordedBy: { gln: string; name: string | null };
  bizLocation: { gln: string; extension: string | null; name: string | null } | null;
}

const code = () => `(01)${net.demo.heroUnit.gtin}(21)${net.demo.heroUnit.serial}`;

async function traceEvents(): Promise<TracedEvent[]> {
  const { data, errors } = await net.query(TRACE, { code: code() });
  expect(errors).toBeUndefined();
  return data.trace.custody.events as TracedEvent[];
}

/** Master data lookups by key (the statement the cache saves) each node ran while `run` ran. */
async function masterDataReads(run: () => Promise<unknown>): Promise<Record<NodeName, number>> {
  for (const db of Object.values(net.databases)) db.statements.reset();
  await run();
  return Object.fromEntries(
    Object.entries(net.databases).map(([node, db]) => [node, db.statements.recent.filter((q) => /FROM vocabulary_element\s+WHERE key = ANY/.test(q)).length]),
  ) as Record<NodeName, number>;
}

function masterDataDocument(vocabularies: Array<{ type: string; id: string; name: string }>, events: unknown[] = []) {
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-11-28T12:00:00Z',
    epcisHeader: {
      epcisMasterData: {
        vocabularyList: vocabularies.map((v) => ({
          type: v.type,
          vocabularyElementList: [{ id: v.id, attributes: [{ id: 'cbvmda:name', attribute: v.name }] }],
        })),
      },
    },
    epcisBody: { eventList: events },
  };
}

async function capture(node: NodeName, partnerGln: string, document: unknown): Promise<void> {
  const response = await fetch(new URL('/epcis/capture', net.subgraphs[node].url), {
    method: 'POST',
    headers: { 'content-type': 'application/ld+json', authorization: `Bearer ${await net.tokenOfGln(partnerGln)}` },
    body: JSON.stringify(document),
  });
  expect(response.status, await response.clone().text()).toBe(202);
}

beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

describe('master data cached per process', () => {
  it('a repeated trace reads no master data: the cache is in effect', async () => {
    const first = await masterDataReads(traceEvents);
    expect(first.manufacturer + first.distributor + first.dispenser).toBeGreaterThan(0);
    const again = await masterDataReads(traceEvents);
    expect(again).toEqual({ manufacturer: 0, distributor: 0, dispenser: 0, logistics: 0 });
  });

  it('shows a party renamed through HTTP capture in the very next trace', async () => {
    const before = await traceEvents();
    const dispensing = before.find((e) => e.node === 'DISPENSER');
    expect(dispensing, 'the hero unit has dispenser events').toBeDefined();
    const gln = dispensing!.recordedBy.gln;
    expect(dispensing!.recordedBy.name).toBeTruthy();
    const renamed = `${dispensing!.recordedBy.name} (renamed ${Date.now()})`;

    await capture('dispenser', gln, masterDataDocument([{ type: 'urn:epcglobal:epcis:vtype:Party', id: toDigitalLink({ kind: 'pgln', gln }), name: renamed }]));

    const after = await traceEvents();
    const names = after.filter((e) => e.node === 'DISPENSER' && e.recordedBy.gln === gln).map((e) => e.recordedBy.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([renamed]));
  });

  it('shows a party renamed through ingestDocument in the very next trace', async () => {
    const before = await traceEvents();
    const distributing = before.find((e) => e.node === 'DISTRIBUTOR');
    expect(distributing, 'the hero unit has distributor events').toBeDefined();
    const gln = distributing!.recordedBy.gln;
    const renamed = `Distributor ${gln} (renamed ${Date.now()})`;

    await ingestDocument(net.databases.distributor.db, {
      owner: gln,
      document: masterDataDocument([{ type: 'urn:epcglobal:epcis:vtype:Party', id: toDigitalLink({ kind: 'pgln', gln }), name: renamed }]),
    });

    const names = (await traceEvents()).filter((e) => e.node === 'DISTRIBUTOR' && e.recordedBy.gln === gln).map((e) => e.recordedBy.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([renamed]));
  });

  it('a location the node had no master data for, cached as absent, gets its name when master data arrives', async () => {
    const dispensing = (await traceEvents()).find((e) => e.node === 'DISPENSER');
    const partner = Object.values(net.identities).find((i) => i.partner === dispensing!.recordedBy.gln);
    expect(partner?.companyPrefix, 'the dispenser has a GS1 company prefix').toBeTruthy();
    // A new location of the dispenser's, from its company prefix, that no master data names yet.
    const body = `${partner!.companyPrefix}999999999999`.slice(0, 12);
    const gln = body + computeCheckDigit(body);
    const location = toDigitalLink({ kind: 'sgln', gln });
    const eventID = 'urn:uuid:6d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
    await capture('dispenser', partner!.partner, {
      ...masterDataDocument([]),
      epcisHeader: undefined,
      epcisBody: {
        eventList: [
          {
            type: 'ObjectEvent', eventID, eventTime: '2026-11-27T10:00:00+01:00', eventTimeZoneOffset: '+01:00', action: 'OBSERVE',
            epcList: [toDigitalLink({ kind: 'sgtin', gtin: net.demo.heroUnit.gtin, serial: net.demo.heroUnit.serial })],
            bizStep: 'inspecting', bizLocation: { id: location },
          },
        ],
      },
    });

    const unnamed = (await traceEvents()).find((e) => e.eventID === eventID);
    expect(unnamed?.bizLocation).toMatchObject({ gln, name: null });
    // The absent element is cached: the same trace again reads no master data anywhere.
    const reads = await masterDataReads(traceEvents);
    expect(reads.dispenser).toBe(0);

    await capture('dispenser', partner!.partner, masterDataDocument([{ type: 'urn:epcglobal:epcis:vtype:BusinessLocation', id: location, name: 'Back office, late arrival' }]));

    const named = (await traceEvents()).find((e) => e.eventID === eventID);
    expect(named?.bizLocation).toMatchObject({ gln, name: 'Back office, late arrival' });
  });

  it('a capture without master data leaves the cache as it was', async () => {
    await traceEvents();
    const partner = Object.values(net.identities).find((i) => i.role === 'dispenser');
    await capture('dispenser', partner!.partner, masterDataDocument([]));
    const reads = await masterDataReads(traceEvents);
    expect(reads).toEqual({ manufacturer: 0, distributor: 0, dispenser: 0, logistics: 0 });
  });
});
