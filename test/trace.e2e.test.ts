import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatAiDate,
  formatElementString,
  formatSgtinUrn,
  GS,
  toDigitalLink,
} from '@tracefed/kit/gs1/index';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { startNetwork, type Network } from './harness.ts';

const TRACE = /* GraphQL */ `
  query Trace($code: String!) {
    trace(code: $code) {
      gtin
      serial
      commissioned
      epc
      product { name strength nationalDrugCode dosageForm manufacturer { name } }
      lot {
        lotNumber expiry manufactureDate
        packagingSite { name country }
        components { material lotNumber manufactureDate supplier { name country } site { name country kind } }
      }
      custody {
        status
        currentCustodian { gln name }
        inTransit { from { name } to { name } }
        hops { holder { gln name } node from to receivedFrom { name } shippedTo { name } location { name } }
        containers { sscc depth node }
        events { eventID node bizStep recordedBy { name } via }
        breaks { code message eventIDs partners }
      }
      sales { seller { name } buyer { name } unitPrice currency invoice }
    }
  }
`;

// Dispense details and the patient reference are for the dispensing partner and regulators, not for
// the investigator the rest of the trace is asked as.
const DISPENSE = /* GraphQL */ `
  query Dispense($code: String!) {
    trace(code: $code) { dispense { dispenser { name } patientRef prescription } }
  }
`;

let net: Network;

beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

const elementString = (u: { gtin: string; serial: string; lot: string; expiry: string }) =>
  formatElementString([
    { ai: '01', value: u.gtin },
    { ai: '21', value: u.serial },
    { ai: '10', value: u.lot },
    { ai: '17', value: formatAiDate(u.expiry) },
  ]);

describe('trace through the gateway', () => {
  it('follows the demo pack from ingredient synthesis site to the patient in one query', async () => {
    const hero = net.demo.heroUnit;
    const { data, errors } = await net.query(TRACE, { code: elementString(hero) });
    expect(errors).toBeUndefined();
    const t = data.trace;
    expect(t).toMatchObject({ gtin: hero.gtin, serial: hero.serial, commissioned: true });
    expect(t.epc).toBe(formatSgtinUrn(hero.gtin, hero.serial, 7));
    expect(t.product.name).toBe(net.demo.products.amlodipine.name);
    expect(t.lot).toMatchObject({ lotNumber: hero.lot, expiry: hero.expiry, manufactureDate: '2026-02-02' });
    // Two synthesis/production sites in two countries feed this lot.
    const countries = t.lot.components.map((c: any) => c.site.country).sort();
    expect(countries).toEqual(['CN', 'IT']);
    expect(t.lot.components.find((c: any) => c.site.kind === 'synthesis').supplier.name).toBe(net.demo.parties.huayang.name);

    const holders = t.custody.hops.map((h: any) => h.holder.name);
    expect(holders).toEqual([
      net.demo.parties.meridian.name,
      net.demo.parties.northline.name,
      net.demo.parties.harbor.name,
      net.demo.parties.rosen.name,
    ]);
    expect(t.custody.hops.map((h: any) => h.node)).toEqual(['MANUFACTURER', 'DISTRIBUTOR', 'DISTRIBUTOR', 'DISPENSER']);
    expect(t.custody.hops[1].receivedFrom.name).toBe(net.demo.parties.meridian.name);
    expect(t.custody.hops[1].shippedTo.name).toBe(net.demo.parties.harbor.name);
    expect(t.custody.status).toBe('DISPENSED');
    expect(t.custody.currentCustodian.name).toBe(net.demo.parties.rosen.name);
    expect(t.custody.breaks).toEqual([]);

    // Events come in time order across all three nodes.
    const times = t.custody.events.map((e: any) => e.eventID);
    expect(new Set(times).size).toBe(times.length);
    expect(t.custody.events.map((e: any) => e.node)).toContain('DISPENSER');

    // The manufacturer shipped only the pallet: the hop still shows, through the pallet and the case.
    const shipping = t.custody.events.find((e: any) => e.bizStep === 'shipping' && e.node === 'MANUFACTURER');
    const pallet = net.demo.pallets.find((p) => p.units.some((u) => u.serial === hero.serial))!;
    expect(shipping.via).toBe(pallet.sscc);
    expect(t.custody.containers.some((c: any) => c.sscc === pallet.sscc && c.depth === 2)).toBe(true);

    expect(t.sales.map((s: any) => [s.seller.name, s.buyer.name])).toEqual([
      [net.demo.parties.northline.name, net.demo.parties.harbor.name],
      [net.demo.parties.harbor.name, net.demo.parties.rosen.name],
    ]);
    expect(t.sales[0].unitPrice).toBeGreaterThan(0);

    const dispensed = await net.query(DISPENSE, { code: elementString(hero) }, { as: 'rosen' });
    expect(dispensed.errors).toBeUndefined();
    expect(dispensed.data.trace.dispense.dispenser.name).toBe(net.demo.parties.rosen.name);
    expect(dispensed.data.trace.dispense.patientRef).toMatch(/^pt-[0-9a-f]{16}$/);
    expect(dispensed.data.trace.dispense.prescription).toMatch(/^urn:tracefed:rx:/);
  });

  it('normalises every scanned form of the identifier to the same unit', async () => {
    const hero = net.demo.heroUnit;
    const forms = [
      elementString(hero),
      `]d2${formatElementString([
        { ai: '01', value: hero.gtin },
        { ai: '17', value: formatAiDate(hero.expiry) },
        { ai: '10', value: hero.lot },
        { ai: '21', value: hero.serial },
      ], { raw: true })}`,
      toDigitalLink({ kind: 'sgtin', gtin: hero.gtin, serial: hero.serial, lot: hero.lot }, 'https://scan.example.org'),
      formatSgtinUrn(hero.gtin, hero.serial, 7),
    ];
    expect(forms[1]).toContain(GS);
    for (const code of forms) {
      const { data, errors } = await net.query(`query($code: String!) { trace(code: $code) { gtin serial custody { status } } }`, { code });
      expect(errors, code).toBeUndefined();
      expect(data.trace, code).toEqual({ gtin: hero.gtin, serial: hero.serial, custody: { status: 'DISPENSED' } });
    }
  });

  it('follows a unit through unpacking and repacking into a distributor\'s own case', async () => {
    const unit = net.demo.repacked.units[12]!;
    const { data, errors } = await net.query(
      `query($code: String!) { trace(code: $code) { custody { status hops { holder { name } } containers { sscc node } events { bizStep via recordedBy { name } } breaks { code } } } }`,
      { code: elementString(unit) },
    );
    expect(errors).toBeUndefined();
    const c = data.trace.custody;
    expect(c.breaks).toEqual([]);
    expect(c.hops.map((h: any) => h.holder.name)).toEqual([
      net.demo.parties.meridian.name,
      net.demo.parties.northline.name,
      net.demo.parties.stanna.name,
    ]);
    // Shipped to the hospital only as part of the new case, yet the shipment reaches the unit through it.
    const shipped = c.events.find((e: any) => e.bizStep === 'shipping' && e.recordedBy.name === net.demo.parties.northline.name);
    expect(shipped.via).toBe(net.demo.repacked.sscc);
    expect(c.containers.filter((x: any) => x.sscc === net.demo.repacked.sscc).map((x: any) => x.node).sort()).toEqual([
      'DISPENSER',
      'DISTRIBUTOR',
    ]);
  });

  it('rejects a bad code with an error that names the bad part', async () => {
    const hero = net.demo.heroUnit;
    const badGtin = hero.gtin.slice(0, 13) + String((Number(hero.gtin[13]) + 1) % 10);
    const { errors } = await net.query(`query($code: String!) { trace(code: $code) { gtin } }`, {
      code: `(01)${badGtin}(21)${hero.serial}`,
    });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toContain(badGtin);
    expect(errors?.[0]?.message).toMatch(/check digit/);

    const sscc = await net.query(`{ trace(code: "(00)106141412345678908") { gtin } }`);
    expect(sscc.errors?.[0]?.message).toMatch(/serialized unit/i);
  });

  it('reports units in transit, in stock and never commissioned', async () => {
    const inTransit = net.demo.pallets[11]!.units[0]!;
    const stock = net.demo.pallets[3]!.units[0]!;
    const q = `query($code: String!) { trace(code: $code) { commissioned custody { status currentCustodian { name } inTransit { from { name } to { name } } breaks { code } } } }`;
    const transit = (await net.query(q, { code: elementString(inTransit) })).data.trace;
    expect(transit.custody).toMatchObject({
      status: 'IN_TRANSIT',
      currentCustodian: null,
      inTransit: { from: { name: net.demo.parties.meridian.name }, to: { name: net.demo.parties.northline.name } },
      breaks: [],
    });
    const held = (await net.query(q, { code: elementString(stock) })).data.trace;
    expect(held.custody).toMatchObject({ status: 'ACTIVE', currentCustodian: { name: net.demo.parties.northline.name }, breaks: [] });
    const unknown = (await net.query(q, { code: `(01)${stock.gtin}(21)NEVERMADE1` })).data.trace;
    expect(unknown).toEqual({ commissioned: false, custody: { status: 'UNKNOWN', currentCustodian: null, inTransit: null, breaks: [] } });
  });

  it('shows no custody break anywhere in the clean demo data', async () => {
    const sample = net.demo.units.filter((_, i) => i % 37 === 0);
    const { data, errors } = await net.query(
      `query($gtin: String!, $lot: String!) { lot(gtin: $gtin, lotNumber: $lot) { units(first: 1000) { serial custody { breaks { code message } } } } }`,
      { gtin: sample[0]!.gtin, lot: sample[0]!.lot },
    );
    expect(errors).toBeUndefined();
    expect(data.lot.units).toHaveLength(400);
    const broken = data.lot.units.filter((u: any) => u.custody.breaks.length > 0);
    expect(broken).toEqual([]);
  });

  it('flags a receipt with no matching shipment, with the evidence', async () => {
    // A pack Northline still holds turns up in a receipt at Linden-Apotheke: nobody shipped it there.
    const unit = net.demo.pallets[3]!.units[5]!;
    const linden = net.demo.parties.linden;
    const eventID = 'urn:uuid:0b0e1c2a-0000-4000-8000-00000000b0e1';
    await ingestDocument(net.databases.dispenser.db, {
      owner: linden.gln,
      document: {
        '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: '2026-11-28T00:00:00Z',
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventID,
              eventTime: '2026-10-01T10:00:00+01:00',
              eventTimeZoneOffset: '+01:00',
              action: 'OBSERVE',
              bizStep: 'receiving',
              epcList: [toDigitalLink({ kind: 'sgtin', gtin: unit.gtin, serial: unit.serial })],
              bizLocation: { id: toDigitalLink({ kind: 'sgln', gln: linden.site.gln }) },
            },
          ],
        },
      },
    });
    const { data, errors } = await net.query(
      `query($code: String!) { trace(code: $code) { custody { currentCustodian { gln } breaks { code eventIDs partners } } } }`,
      { code: elementString(unit) },
    );
    expect(errors).toBeUndefined();
    const codes = data.trace.custody.breaks.map((b: any) => b.code).sort();
    expect(codes).toEqual(['RECEIPT_WITHOUT_SHIPMENT', 'TWO_CUSTODIANS']);
    for (const b of data.trace.custody.breaks) expect(b.eventIDs).toContain(eventID);
    const two = data.trace.custody.breaks.find((b: any) => b.code === 'TWO_CUSTODIANS');
    expect(two.partners).toEqual([net.demo.parties.northline.gln, linden.gln]);
  });
});
