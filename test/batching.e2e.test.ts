import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCheckDigit, formatSgtinUrn, formatLgtinUrn, formatSglnUrn, formatSsccUrn } from '@tracefed/kit/gs1/index';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { masterDataChanged } from '@tracefed/kit/epcis/masterDataCache';
import { startNetwork, type Network, type NodeName } from './harness.ts';

/**
 * No N+1: every entity reference and list field goes through a per-request DataLoader, so the SQL a
 * node runs does not grow with the number of units asked about. Counted, not timed.
 */
let net: Network;
const BIG_LOT = 'BIG1000';
const UNITS = 1200;

beforeAll(async () => {
  net = await startNetwork();
  // A 1,200-unit lot commissioned and packed into pallets at the manufacturer.
  const m = net.demo.parties.meridian;
  const gtin = net.demo.products.metformin.gtin;
  const site = { id: formatSglnUrn(m.site.gln, '0', 7) };
  const units = Array.from({ length: UNITS }, (_, i) => formatSgtinUrn(gtin, `B${String(i).padStart(6, '0')}`, 7));
  const ilmd = { 'cbvmda:lotNumber': BIG_LOT, 'cbvmda:itemExpirationDate': '2029-01-31' };
  const body = `3${m.prefix}990000001`;
  const pallet = formatSsccUrn(body + computeCheckDigit(body), 7);
  await ingestDocument(net.databases.manufacturer.db, {
    owner: m.gln,
    document: {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-11-28T00:00:00Z',
      epcisBody: {
        eventList: [
          {
            type: 'TransformationEvent', eventID: 'urn:uuid:00000000-0000-4000-8000-0000000b1900',
            eventTime: '2026-06-01T06:00:00+01:00', eventTimeZoneOffset: '+01:00',
            transformationID: `urn:epcglobal:cbv:xform:${m.prefix}.${BIG_LOT}`,
            outputQuantityList: [{ epcClass: formatLgtinUrn(gtin, BIG_LOT, 7), quantity: UNITS }],
            bizStep: 'creating_class_instance', bizLocation: site, ilmd,
          },
          {
            type: 'ObjectEvent', eventID: 'urn:uuid:00000000-0000-4000-8000-0000000b1901',
            eventTime: '2026-06-01T08:00:00+01:00', eventTimeZoneOffset: '+01:00', action: 'ADD',
            bizStep: 'commissioning', disposition: 'active', epcList: units, bizLocation: site, ilmd,
          },
          {
            type: 'AggregationEvent', eventID: 'urn:uuid:00000000-0000-4000-8000-0000000b1902',
            eventTime: '2026-06-01T09:00:00+01:00', eventTimeZoneOffset: '+01:00', action: 'ADD',
            bizStep: 'packing', parentID: pallet, childEPCs: units, bizLocation: site,
          },
        ],
      },
    },
  });
});
afterAll(async () => {
  await net?.stop();
});

// No identity may see every field of a unit (prices are for the trade, patient references for the
// dispenser and regulators), so the lot is asked twice: by the investigator, with the sales prices, and
// by the regulator, with the dispenses. Each must cost the same statements for 10 units as for 1,200.
const LOT_QUERY = {
  'fraud-unit': /* GraphQL */ `
    query($gtin: String!, $lot: String!, $first: Int!) {
      lot(gtin: $gtin, lotNumber: $lot) {
        unitCount
        units(first: $first) {
          serial
          commissioned
          lot { lotNumber expiry }
          custody { status hops { holder { name } } containers { sscc } }
          sales { unitPrice }
        }
      }
    }
  `,
  inspectorate: /* GraphQL */ `
    query($gtin: String!, $lot: String!, $first: Int!) {
      lot(gtin: $gtin, lotNumber: $lot) {
        unitCount
        units(first: $first) {
          serial
          custody { status containers { sscc } }
          dispense { patientRef }
          decommissioning { reason }
        }
      }
    }
  `,
};

/**
 * Statements each node ran for `run`. Cold: each node's master data cache emptied first, as after a
 * capture of master data; warm: as it is (parties, locations and products read before are kept).
 */
async function statementsFor(run: () => Promise<unknown>, cache: 'cold' | 'warm' = 'cold'): Promise<Record<NodeName, number>> {
  for (const db of Object.values(net.databases)) {
    if (cache === 'cold') masterDataChanged(db.db);
    db.statements.reset();
  }
  await run();
  return {
    manufacturer: net.databases.manufacturer.statements.count,
    distributor: net.databases.distributor.statements.count,
    dispenser: net.databases.dispenser.statements.count,
    logistics: net.databases.logistics.statements.count,
  };
}

const total = (counts: Record<NodeName, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

describe('SQL statements per subgraph stay bounded', () => {
  it.each(Object.keys(LOT_QUERY) as Array<keyof typeof LOT_QUERY>)(
    'a query over a lot of 1,200 units costs the same statements as one over 10 units (as %s)',
    async (as) => {
      const gtin = net.demo.products.metformin.gtin;
      let big: any;
      const few = await statementsFor(() => net.query(LOT_QUERY[as], { gtin, lot: BIG_LOT, first: 10 }, { as }));
      const many = await statementsFor(async () => {
        big = await net.query(LOT_QUERY[as], { gtin, lot: BIG_LOT, first: UNITS }, { as });
      });
      expect(big.errors).toBeUndefined();
      expect(big.data.lot.unitCount).toBe(UNITS);
      expect(big.data.lot.units).toHaveLength(UNITS);
      expect(big.data.lot.units[UNITS - 1].custody.containers.length).toBe(1);
      expect(many).toEqual(few);
      for (const count of Object.values(many)) expect(count).toBeLessThanOrEqual(8);
      // With the master data already read, the same holds, for fewer statements.
      const fewWarm = await statementsFor(() => net.query(LOT_QUERY[as], { gtin, lot: BIG_LOT, first: 10 }, { as }), 'warm');
      const manyWarm = await statementsFor(() => net.query(LOT_QUERY[as], { gtin, lot: BIG_LOT, first: UNITS }, { as }), 'warm');
      expect(manyWarm).toEqual(fewWarm);
      for (const node of Object.keys(many) as NodeName[]) expect(manyWarm[node]).toBeLessThanOrEqual(many[node]);
      expect(total(manyWarm)).toBeLessThan(total(many));
    },
  );

  it('tracing a unit with many events costs a handful of statements per node', async () => {
    const hero = net.demo.heroUnit;
    const query = `query($code: String!) { trace(code: $code) { custody { events { eventID recordedBy { name } bizLocation { name } sources { party { name } } } hops { holder { name } } } sales { seller { name } unitPrice } lot { components { supplier { name } } } } }`;
    let result: any;
    // Asked by the investigator: the dispense is not for it (its batching is counted in the lot query
    // the regulator asks above).
    const trace = async () => {
      result = await net.query(query, { code: `(01)${hero.gtin}(21)${hero.serial}` });
    };
    const cold = await statementsFor(trace);
    expect(result.errors).toBeUndefined();
    expect(result.data.trace.custody.events.length).toBeGreaterThan(10);
    // Master data resolves in a few dependent waves (event -> location -> operator), each one statement.
    for (const count of Object.values(cold)) expect(count).toBeLessThanOrEqual(12);
    // Once this process holds the master data, those waves cost nothing.
    const warm = await statementsFor(trace, 'warm');
    expect(result.errors).toBeUndefined();
    // Measured: 9/4/4 statements cold, 5/3/3 warm (manufacturer/distributor/dispenser).
    for (const count of Object.values(warm)) expect(count).toBeLessThanOrEqual(5);
    expect(total(warm)).toBeLessThanOrEqual(total(cold) - 4);
    for (const db of Object.values(net.databases)) expect(db.statements.recent.filter((q) => q.includes('FROM vocabulary_element'))).toEqual([]);
  });
});
