import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAiDate, toDigitalLink } from '@tracefed/kit/gs1/index';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { queryRows, sql } from '@tracefed/kit/db/connection';
import { startNetwork, type Network } from './harness.ts';

/**
 * Investigations that change the network's records: a manufacturer recalls a lot, and a pharmacy
 * dispenses a pack it may still take back. Own file, own network, so the read-only suite sees the demo
 * as it was seeded.
 */
let net: Network;
beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

const VERIFY = `query($gtin: String!, $serial: String!, $reqGLN: String) {
  verify(gtin: $gtin, serial: $serial, reqGLN: $reqGLN) {
    data { verified additionalInfo }
    recall { eventID class reason recalledBy { name } }
    packStatus { state by { name } undo { possible deadline by { name } reason } }
  }
}`;

const RECALL = `mutation($gtin: String!, $lot: String!, $reason: String!, $class: RecallClass!) {
  recallLot(gtin: $gtin, lot: $lot, reason: $reason, class: $class) { eventID class reason recalledAt recalledBy { gln name } lot { lotNumber recall { eventID } } }
}`;

describe('recallLot', () => {
  it('records the recall as an EPCIS event, and the lot is recalled in verification answers at once', async () => {
    // A metformin pack in Harbor's stock, in lot MET2601.
    const unit = net.demo.pallets[9]!.units[30]!;
    expect(unit.lot).toBe('MET2601');
    const before = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial });
    expect(before.errors).toBeUndefined();
    expect(before.data.verify).toMatchObject({ data: { verified: true, additionalInfo: null }, recall: null });

    const reason = 'Foreign particles found in retained samples';
    // Recalls are for the product's manufacturer (and regulators): Meridian recalls its own lot.
    const { data, errors } = await net.query(RECALL, { gtin: unit.gtin, lot: 'MET2601', reason, class: 'CLASS_I' }, { as: 'meridian' });
    expect(errors).toBeUndefined();
    const recall = data.recallLot;
    expect(recall).toMatchObject({ class: 'CLASS_I', reason, recalledBy: { gln: net.demo.parties.meridian.gln }, lot: { lotNumber: 'MET2601' } });
    expect(recall.eventID).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(recall.lot.recall.eventID).toBe(recall.eventID);

    // The system of record holds it: an ObjectEvent on the lot class, disposition recalled.
    const [stored] = await queryRows<{ biz_step: string; disposition: string; owner_gln: string }>(
      net.databases.manufacturer.db,
      sql`SELECT biz_step, disposition, owner_gln FROM epcis_event WHERE event_id = ${recall.eventID}`,
    );
    expect(stored).toEqual({ biz_step: 'holding', disposition: 'recalled', owner_gln: net.demo.parties.meridian.gln });

    const after = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial });
    expect(after.data.verify).toMatchObject({ data: { verified: true, additionalInfo: 'Recalled' }, recall: { eventID: recall.eventID, class: 'CLASS_I', reason } });
    const http = await fetch(
      new URL(`/verification/gtin/${unit.gtin}/lot/${unit.lot}/ser/${unit.serial}?exp=${formatAiDate(unit.expiry)}`, net.subgraphs.manufacturer.url),
      { headers: await net.authHeaders('harbor') },
    );
    expect(((await http.json()) as any).data).toEqual({ verified: true, additionalInfo: 'Recalled' });
  });

  it('records a regulator\'s recall as ordered by the regulator, kept in the manufacturer\'s records', async () => {
    const regulator = net.identities.inspectorate!;
    const { data, errors } = await net.query(
      RECALL,
      { gtin: net.demo.products.metformin.gtin, lot: 'MET2601', reason: 'Ordered by the inspectorate after a GMP inspection', class: 'CLASS_II' },
      { as: 'inspectorate' },
    );
    expect(errors).toBeUndefined();
    expect(data.recallLot.recalledBy.gln).toBe(regulator.partner);
    const [stored] = await queryRows<{ owner_gln: string }>(
      net.databases.manufacturer.db,
      sql`SELECT owner_gln FROM epcis_event WHERE event_id = ${data.recallLot.eventID}`,
    );
    expect(stored?.owner_gln).toBe(net.demo.parties.meridian.gln);
  });

  it('refuses a lot that was never made and a product that is not the manufacturer\'s, naming the problem', async () => {
    const gtin = net.demo.products.amlodipine.gtin;
    const never = await net.query(RECALL, { gtin, lot: 'AML9999', reason: 'test', class: 'CLASS_III' }, { as: 'meridian' });
    expect(never.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(never.errors?.[0]?.message).toBe(`lot AML9999 of GTIN ${gtin} was never made here: no TransformationEvent outputs it`);
    // A regulator may recall any product; one outside the manufacturer node's catalogue is still refused.
    const foreign = await net.query(RECALL, { gtin: '09506000134352', lot: 'X1', reason: 'test', class: 'CLASS_III' }, { as: 'inspectorate' });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(foreign.errors?.[0]?.message).toMatch(/not a product of this manufacturer/);
    const blank = await net.query(RECALL, { gtin, lot: 'AML2601', reason: '  ', class: 'CLASS_III' }, { as: 'meridian' });
    expect(blank.errors?.[0]?.message).toMatch(/argument reason/);
    expect((await net.query(VERIFY, { gtin, serial: net.demo.heroUnit.serial })).data.verify.recall).toBeNull();
  });
});

describe('undoing a dispense', () => {
  it('is possible within ten days, only for the dispenser that dispensed the pack', async () => {
    // St. Anna holds a case of AML2602 it has not touched; it dispenses one pack now.
    const unit = net.demo.pallets[4]!.units[5]!;
    const stanna = net.demo.parties.stanna;
    const at = new Date(Date.now() - 2 * 86_400_000);
    await ingestDocument(net.databases.dispenser.db, {
      owner: stanna.gln,
      document: {
        '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: at.toISOString(),
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventID: 'urn:uuid:3f9d7a52-1c0e-4b8a-9d61-2b7c5e0a4d11',
              eventTime: at.toISOString(),
              eventTimeZoneOffset: '+00:00',
              action: 'DELETE',
              bizStep: 'dispensing',
              disposition: 'dispensed',
              epcList: [toDigitalLink({ kind: 'sgtin', gtin: unit.gtin, serial: unit.serial })],
              bizLocation: { id: toDigitalLink({ kind: 'sgln', gln: stanna.site.gln }) },
            },
          ],
        },
      },
    });
    const deadline = new Date(Date.parse(at.toISOString()) + 10 * 86_400_000).toISOString();
    // St. Anna scans the pack it dispensed: it held the pack, so it sees itself named, and may undo.
    const asStanna = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial, reqGLN: stanna.gln }, { as: 'stanna' });
    expect(asStanna.errors).toBeUndefined();
    const own = asStanna.data.verify.packStatus;
    expect(own).toMatchObject({ state: 'SUPPLIED', by: { name: stanna.name } });
    expect(own.undo).toEqual({ possible: true, deadline, by: { name: stanna.name }, reason: null });

    // Rosen-Apotheke scans the same serial: it never held this pack, so it learns the pack was supplied and
    // that it may not undo the dispense, but not who dispensed it.
    const rosen = net.demo.parties.rosen;
    const custody = await net.query(`query($gtin: String!, $serial: String!) { unit(gtin: $gtin, serial: $serial) { custody { hops { holder { gln } } } } }`, {
      gtin: unit.gtin,
      serial: unit.serial,
    });
    expect(custody.data.unit.custody.hops.map((h: any) => h.holder.gln)).not.toContain(rosen.gln);
    // A partner verifies as itself: naming another partner as the requester is refused.
    const spoofed = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial, reqGLN: stanna.gln }, { as: 'rosen' });
    expect(spoofed.data?.verify ?? null).toBeNull();
    expect(spoofed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(spoofed.errors?.[0]?.message).toMatch(/reqGLN .* is not the caller's own GLN/);
    const asRosen = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial, reqGLN: rosen.gln }, { as: 'rosen' });
    const other = asRosen.data.verify.packStatus;
    expect(other).toEqual({
      state: 'SUPPLIED',
      by: null,
      undo: { possible: false, deadline, by: null, reason: 'only the partner that dispensed it may undo the dispense' },
    });
    expect(asRosen.errors?.map((e: any) => [e.path.join('.'), e.extensions.code]).sort()).toEqual([
      ['verify.packStatus.by', 'FORBIDDEN'],
      ['verify.packStatus.undo.by', 'FORBIDDEN'],
    ]);
    expect(JSON.stringify(asRosen)).not.toContain(stanna.name);
    expect(JSON.stringify(asRosen)).not.toContain(stanna.gln);

    // The investigator, like every partner the custody rule allows, reads who may undo it.
    const asInvestigator = (await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial, reqGLN: rosen.gln })).data.verify.packStatus;
    expect(asInvestigator.undo).toEqual({ possible: false, deadline, by: { name: stanna.name }, reason: other.undo.reason });
  });
});
