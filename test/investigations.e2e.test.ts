import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAiDate, formatElementString } from '@tracefed/kit/gs1/index';
import { startNetwork, type Network, type NodeName } from './harness.ts';

/**
 * The investigations partners join the network for, through the gateway, against the demo network and
 * its deliberate cases (`demo.cases`): verify a pack, spot counterfeits, find where a recalled lot is,
 * find the distributor that sold a pack out of the authorized chain, trace a defect to its source. Every
 * answer names its evidence. This file only reads; the recall mutation has its own file.
 * Queries are asked as the investigator ('fraud-unit') unless they need what only others may see: the
 * patient contacts of a recall are the regulator's ('inspectorate'), and the verification endpoints are
 * called with the token of the pharmacy that scans the pack.
 */
let net: Network;
beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

type Unit = { gtin: string; serial: string; lot?: string; expiry?: string };
const code = (u: Unit) =>
  formatElementString([
    { ai: '01', value: u.gtin },
    { ai: '21', value: u.serial },
    ...(u.lot ? [{ ai: '10', value: u.lot }] : []),
    ...(u.expiry ? [{ ai: '17', value: formatAiDate(u.expiry) }] : []),
  ]);

const VERIFY = /* GraphQL */ `
  query Verify($gtin: String!, $serial: String!, $lot: String, $expiry: String, $reqGLN: String, $corrUUID: String) {
    verify(gtin: $gtin, serial: $serial, lot: $lot, expiry: $expiry, reqGLN: $reqGLN, corrUUID: $corrUUID) {
      verificationTimestamp responderGLN corrUUID
      data { verified verificationFailureReason additionalInfo }
      packStatus { state active reason since by { gln name } eventID undo { possible deadline by { name } reason } }
      signals { code severity message eventIDs partners { gln name } }
      recall { eventID class reason }
      eventIDs
      partners { gln name }
    }
  }
`;

const SIGNALS = /* GraphQL */ `
  query Signals($code: String!) {
    trace(code: $code) {
      commissioned
      signals { code severity message eventIDs partners { gln name } }
      packStatus { state by { name } }
      custody { breaks { code eventIDs } }
    }
  }
`;

async function verify(variables: Record<string, unknown>) {
  const { data, errors } = await net.query(VERIFY, variables);
  expect(errors).toBeUndefined();
  return data.verify;
}

async function signalsOf(u: Unit) {
  const { data, errors } = await net.query(SIGNALS, { code: code(u) });
  expect(errors).toBeUndefined();
  return data.trace;
}

describe('verification', () => {
  it('verifies a genuine demo pack and states its status in EU FMD terms', async () => {
    const hero = net.demo.heroUnit;
    const rosen = net.demo.parties.rosen;
    const v = await verify({ gtin: hero.gtin, serial: hero.serial, lot: hero.lot, expiry: hero.expiry, reqGLN: rosen.gln });
    expect(v.responderGLN).toBe(net.demo.parties.meridian.gln);
    expect(Date.parse(v.verificationTimestamp)).not.toBeNaN();
    expect(v.data).toEqual({ verified: true, verificationFailureReason: null, additionalInfo: null });
    expect(v.signals).toEqual([]);
    expect(v.recall).toBeNull();
    // Dispensed at Rosen-Apotheke in April: supplied, and long past the ten days in which it could be undone.
    expect(v.packStatus).toMatchObject({ state: 'SUPPLIED', active: false, reason: 'dispensed', by: { gln: rosen.gln, name: rosen.name } });
    expect(v.packStatus.undo).toMatchObject({ possible: false, by: { name: rosen.name } });
    expect(v.packStatus.undo.reason).toMatch(/more than 10 days/);
    // The evidence: the commissioning and the dispense.
    expect(v.eventIDs).toContain(v.packStatus.eventID);
    expect(v.eventIDs).toHaveLength(2);

    const inStock = net.demo.pallets[3]!.units[0]!;
    const active = await verify({ gtin: inStock.gtin, serial: inStock.serial, lot: inStock.lot, expiry: inStock.expiry });
    expect(active.data.verified).toBe(true);
    expect(active.packStatus).toMatchObject({ state: 'ACTIVE', active: true, undo: null });
  });

  it('names a lot, an expiry, or both that do not match the commissioning record, and an unknown serial', async () => {
    const hero = net.demo.heroUnit;
    const wrongLot = await verify({ gtin: hero.gtin, serial: hero.serial, lot: 'AML2699', expiry: hero.expiry });
    expect(wrongLot.data).toEqual({ verified: false, verificationFailureReason: 'No_match_GTIN_Serial_Lot', additionalInfo: 'Suspect' });
    expect(wrongLot.signals.map((s: any) => s.code)).toEqual(['LOT_MISMATCH']);
    expect(wrongLot.signals[0].message).toContain('commissioned with lot AML2601');
    const wrongExpiry = await verify({ gtin: hero.gtin, serial: hero.serial, lot: hero.lot, expiry: '290131' });
    expect(wrongExpiry.data.verificationFailureReason).toBe('No_match_GTIN_Serial_Expiry');
    expect(wrongExpiry.signals.map((s: any) => s.code)).toEqual(['EXPIRY_MISMATCH']);
    const both = await verify({ gtin: hero.gtin, serial: hero.serial, lot: 'AML2699', expiry: '2029-01-31' });
    expect(both.data.verificationFailureReason).toBe('No_match_GTIN_Serial_Lot_Expiry');

    const unknown = net.demo.cases.unknownSerial;
    const v = await verify({ gtin: unknown.gtin, serial: unknown.serial, lot: unknown.lot, expiry: unknown.expiry });
    expect(v.data).toEqual({ verified: false, verificationFailureReason: 'No_match_GTIN_Serial', additionalInfo: 'Suspect' });
    expect(v.packStatus.state).toBe('UNKNOWN');
    expect(v.signals).toHaveLength(1);
    expect(v.signals[0]).toMatchObject({ code: 'NOT_COMMISSIONED', severity: 'SUSPECT', eventIDs: [] });
    expect(v.signals[0].message).toMatch(/likely counterfeit/);
  });

  it('answers the GS1 Lightweight Messaging request on the manufacturer node and on the gateway', async () => {
    const hero = net.demo.heroUnit;
    const corrUUID = '5b1c3f0e-9a6d-4c7e-8f21-0d3a6b9e4c12';
    const path =
      `/verification/gtin/${hero.gtin}/lot/${hero.lot}/ser/${hero.serial}` +
      `?exp=${formatAiDate(hero.expiry)}&reqGLN=${net.demo.parties.rosen.gln}&corrUUID=${corrUUID}&context=dscsaSaleableReturn`;
    // Rosen-Apotheke scans the pack it dispensed, with its own token, on both hosts.
    const rosen = { headers: await net.authHeaders('rosen') };
    const node = await fetch(new URL(path, net.subgraphs.manufacturer.url), rosen);
    expect(node.status).toBe(200);
    const nodeAnswer = await node.json();
    expect(nodeAnswer).toEqual({
      verificationTimestamp: expect.any(String),
      responderGLN: net.demo.parties.meridian.gln,
      corrUUID,
      data: { verified: true },
    });

    const gateway = await fetch(new URL(path, net.gateway.url), rosen);
    expect(gateway.status).toBe(200);
    const answer = (await gateway.json()) as any;
    expect(answer).toMatchObject({ responderGLN: net.demo.parties.meridian.gln, corrUUID, data: { verified: true } });
    expect(answer.packStatus).toMatchObject({ state: 'SUPPLIED', by: { name: net.demo.parties.rosen.name } });
    expect(answer.signals).toEqual([]);

    // A recalled pack: both hosts say so; only the gateway, which sees every node, knows it was dispensed.
    const recalled = net.demo.cases.recall.dispensedAfterRecall;
    const recallPath = `/verification/gtin/${recalled.gtin}/lot/${recalled.lot}/ser/${recalled.serial}?exp=${formatAiDate(recalled.expiry)}`;
    const linden = { headers: await net.authHeaders('linden') };
    expect(((await (await fetch(new URL(recallPath, net.subgraphs.manufacturer.url), linden)).json()) as any).data).toEqual({ verified: true, additionalInfo: 'Recalled' });
    const network = (await (await fetch(new URL(recallPath, net.gateway.url), linden)).json()) as any;
    expect(network.data).toEqual({ verified: true, additionalInfo: 'Recalled' });
    expect(network.signals.map((s: any) => s.code)).toEqual(['DISPENSED_AFTER_RECALL']);
  });

  it('refuses a malformed request with 400 and the reason, on both hosts and in GraphQL; a request without a token with 401', async () => {
    const hero = net.demo.heroUnit;
    const badGtin = hero.gtin.slice(0, 13) + String((Number(hero.gtin[13]) + 1) % 10);
    const rosen = await net.authHeaders('rosen');
    for (const base of [net.subgraphs.manufacturer.url, net.gateway.url]) {
      const anonymous = await fetch(new URL(`/verification/gtin/${hero.gtin}/lot/${hero.lot}/ser/${hero.serial}?exp=280131`, base));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const checkDigit = await fetch(new URL(`/verification/gtin/${badGtin}/lot/${hero.lot}/ser/${hero.serial}?exp=280131`, base), { headers: rosen });
      expect(checkDigit.status).toBe(400);
      const body = (await checkDigit.json()) as any;
      expect(body.error).toMatch(/check digit/);
      expect(body.part).toBe('gtin');
      const badDate = await fetch(new URL(`/verification/gtin/${hero.gtin}/lot/${hero.lot}/ser/${hero.serial}?exp=281332`, base), { headers: rosen });
      expect(badDate.status).toBe(400);
      expect(((await badDate.json()) as any).error).toMatch(/month 13/);
      const post = await fetch(new URL(`/verification/gtin/${hero.gtin}/lot/${hero.lot}/ser/${hero.serial}`, base), { method: 'POST', headers: rosen });
      expect(post.status).toBe(405);
    }
    const { errors } = await net.query(VERIFY, { gtin: badGtin, serial: hero.serial });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toMatch(/check digit/);
  });
});

describe('suspect and counterfeit signals', () => {
  it('raises no alarm anywhere in the clean demo data', async () => {
    const flagged = new Set(net.demo.cases.flaggedUnits.map((u) => `${u.gtin}|${u.serial}`));
    const q = `query($gtin: String!, $lot: String!) { lot(gtin: $gtin, lotNumber: $lot) { units(first: 1000) { gtin serial signals { code message } } } }`;
    let checked = 0;
    for (const plan of [...net.demo.lots, ...Object.values(net.demo.caseLots)]) {
      const { data, errors } = await net.query(q, { gtin: net.demo.products[plan.product].gtin, lot: plan.lot });
      expect(errors).toBeUndefined();
      const clean = data.lot.units.filter((u: any) => !flagged.has(`${u.gtin}|${u.serial}`));
      checked += clean.length;
      expect(clean.filter((u: any) => u.signals.length > 0)).toEqual([]);
    }
    expect(checked).toBe(net.demo.units.length - flagged.size);
    // And every deliberate unit does carry a signal.
    for (const u of net.demo.cases.flaggedUnits.slice(0, 3)) expect((await signalsOf(u)).signals.length).toBeGreaterThan(0);
  });

  it('flags a clone dispensed at two pharmacies, with both dispenses as evidence', async () => {
    const { unit, genuineAt, copyAt, copyEventID } = net.demo.cases.clone;
    const t = await signalsOf(unit);
    expect(t.signals.map((s: any) => s.code)).toEqual(['CLONE_DISPENSED_TWICE', 'REAPPEARED_AFTER_DISPENSE']);
    const clone = t.signals[0];
    expect(clone.severity).toBe('ILLEGITIMATE');
    expect(clone.eventIDs).toHaveLength(2);
    expect(clone.eventIDs[1]).toBe(copyEventID);
    expect(clone.partners.map((p: any) => p.name)).toEqual([genuineAt.name, copyAt.name]);
    // The first dispense decides the state; the verifier is told the pack is illegitimate.
    expect(t.packStatus).toEqual({ state: 'SUPPLIED', by: { name: genuineAt.name } });
    const v = await verify({ gtin: unit.gtin, serial: unit.serial, lot: unit.lot, expiry: unit.expiry });
    expect(v.data).toEqual({ verified: true, verificationFailureReason: null, additionalInfo: 'Illegitimate' });
  });

  it('flags a serial its manufacturer never commissioned, with the partner that recorded it', async () => {
    const fake = net.demo.cases.counterfeit;
    const t = await signalsOf(fake);
    expect(t.commissioned).toBe(false);
    expect(t.signals).toHaveLength(1);
    expect(t.signals[0]).toMatchObject({ code: 'NOT_COMMISSIONED', severity: 'SUSPECT' });
    expect(t.signals[0].eventIDs).toHaveLength(1);
    expect(t.signals[0].partners.map((p: any) => p.gln)).toEqual([net.demo.parties.meridian.gln, fake.seenAt.gln]);
    expect(t.packStatus.state).toBe('UNKNOWN');
  });

  it('flags a stolen pack that appears again, received from a partner that never shipped it', async () => {
    const { unit, stolenAt, receivedBy, receiptEventID } = net.demo.cases.stolenReappeared;
    const t = await signalsOf(unit);
    expect(t.signals.map((s: any) => s.code)).toEqual(['REAPPEARED_AFTER_THEFT', 'CUSTODY_BREAK']);
    expect(t.signals[0]).toMatchObject({ severity: 'ILLEGITIMATE' });
    expect(t.signals[0].eventIDs[1]).toBe(receiptEventID);
    expect(t.signals[0].partners.map((p: any) => p.name)).toEqual([stolenAt.name, receivedBy.name]);
    expect(t.signals[1].message).toMatch(/no shipment/);
    expect(t.signals[1].eventIDs).toEqual([receiptEventID]);
    expect(t.packStatus.state).toBe('STOLEN');
    const v = await verify({ gtin: unit.gtin, serial: unit.serial });
    expect(v.data.additionalInfo).toBe('Illegitimate');
  });

  it('flags sales and dispenses after expiry, and after the lot was recalled', async () => {
    const short = net.demo.cases.shortDated;
    const expired = await signalsOf(short.dispensedAfterExpiry);
    expect(expired.signals.map((s: any) => [s.code, s.severity])).toEqual([
      ['SOLD_AFTER_EXPIRY', 'COMPLIANCE'],
      ['DISPENSED_AFTER_EXPIRY', 'COMPLIANCE'],
    ]);
    expect(expired.signals[0].message).toMatch(/Harbor Medical Supply GmbH .* to Linden-Apotheke .* on 2026-07-06/);
    expect((await verify({ gtin: short.gtin, serial: short.dispensedAfterExpiry.serial })).data.additionalInfo).toBe('Expired');

    const recall = net.demo.cases.recall;
    const sold = await signalsOf(recall.soldAfterRecall[0]!);
    expect(sold.signals.map((s: any) => s.code)).toEqual(['SOLD_AFTER_RECALL']);
    expect(sold.signals[0].eventIDs[0]).toBe(recall.eventID);
    const dispensed = await signalsOf(recall.dispensedAfterRecall);
    expect(dispensed.signals.map((s: any) => s.code)).toEqual(['DISPENSED_AFTER_RECALL']);
    const v = await verify({ gtin: recall.gtin, serial: recall.dispensedAfterRecall.serial, reqGLN: net.demo.parties.linden.gln });
    expect(v.data.additionalInfo).toBe('Recalled');
    expect(v.recall).toMatchObject({ eventID: recall.eventID, class: 'CLASS_II', reason: recall.reason });
    // A recalled pack's dispense cannot be undone, even by its dispenser within ten days.
    expect(v.packStatus.undo.reason).toMatch(/recalled on 2026-11-20/);
  });
});

describe('recall: where every unit of a lot is now', () => {
  const WHEREABOUTS = /* GraphQL */ `
    query($gtin: String!, $lot: String!) {
      lot(gtin: $gtin, lotNumber: $lot) {
        unitCount
        recall { eventID class reason recalledAt recalledBy { name } }
        whereabouts {
          unitCount
          held { custodian { gln name } location { name } node count eventIDs units(first: 1000) { serial } }
          inTransit { from { name } to { name } count eventIDs units(first: 1000) { serial } }
          dispensed { dispenser { name } location { name } count eventIDs units(first: 1000) { serial } }
          destroyedOrReturned { by { name } reason count eventIDs units(first: 1000) { serial } }
          unaccounted
          partners { name }
        }
        patientContacts { dispenser { name } count contacts { serial patientRef prescription dispensedAt eventID } }
      }
    }
  `;

  it('puts every unit of a recalled lot spread across every role, with the evidence and patient references', async () => {
    const recall = net.demo.cases.recall;
    const P = net.demo.parties;
    // Where the units are and which patients to contact: the regulator's view (patient references are
    // for the dispensers and regulators).
    const { data, errors } = await net.query(WHEREABOUTS, { gtin: recall.gtin, lot: recall.lot }, { as: 'inspectorate' });
    expect(errors).toBeUndefined();
    const lot = data.lot;
    expect(lot.recall).toMatchObject({ eventID: recall.eventID, class: 'CLASS_II', recalledAt: recall.recalledAt, recalledBy: { name: P.meridian.name } });
    const w = lot.whereabouts;
    const serials = (list: Array<{ serial: string }>) => list.map((u) => u.serial).sort();
    const of = (units: Array<{ serial: string }>) => units.map((u) => u.serial).sort();

    expect(w.held.map((g: any) => [g.custodian.name, g.count])).toEqual([
      [P.meridian.name, 20],
      [P.northline.name, 20],
      [P.linden.name, 13],
      [P.stanna.name, 33],
    ]);
    expect(serials(w.held[0].units)).toEqual(of(recall.atManufacturer));
    expect(serials(w.held[1].units)).toEqual(of(recall.atNorthline));
    expect(w.held[0].location.name).toBe(P.meridian.site.name);
    expect(w.inTransit).toHaveLength(1);
    expect(w.inTransit[0]).toMatchObject({ from: { name: P.harbor.name }, to: { name: P.rosen.name }, count: 20 });
    expect(serials(w.inTransit[0].units)).toEqual(of(recall.inTransitToRosen));
    expect(w.dispensed.map((g: any) => [g.dispenser.name, g.count])).toEqual([
      [P.linden.name, 7],
      [P.stanna.name, 4],
    ]);
    expect(serials(w.dispensed[0].units)).toEqual(of(recall.dispensedAtLinden));
    expect(w.destroyedOrReturned.map((g: any) => [g.by.name, g.reason, g.count])).toEqual([
      [P.stanna.name, 'destroyed', 1],
      [P.northline.name, 'returned', 2],
    ]);
    expect(serials(w.destroyedOrReturned[1].units)).toEqual(of(recall.returned));
    expect(w.unaccounted).toEqual([]);
    const total = [...w.held, ...w.inTransit, ...w.dispensed, ...w.destroyedOrReturned].reduce((n: number, g: any) => n + g.count, 0);
    expect(total).toBe(recall.units.length);
    expect(w.unitCount).toBe(recall.units.length);
    for (const g of [...w.held, ...w.inTransit, ...w.dispensed, ...w.destroyedOrReturned]) expect(g.eventIDs.length).toBeGreaterThan(0);
    expect(w.dispensed[0].eventIDs).toHaveLength(7);
    expect(w.partners.map((p: any) => p.name).sort()).toEqual([P.meridian, P.northline, P.harbor, P.linden, P.stanna, P.rosen].map((p) => p.name).sort());

    // The dispensers' node answers who to contact: a pseudonymous reference per dispensed pack, never a name.
    expect(lot.patientContacts.map((c: any) => [c.dispenser.name, c.count])).toEqual([
      [P.linden.name, 7],
      [P.stanna.name, 4],
    ]);
    for (const c of lot.patientContacts.flatMap((d: any) => d.contacts)) {
      expect(c.patientRef).toMatch(/^pt-[0-9a-f]{16}$/);
      expect(c.prescription).toMatch(/^urn:tracefed:rx:/);
    }
    expect(lot.patientContacts[0].contacts.map((c: any) => c.eventID).sort()).toEqual([...w.dispensed[0].eventIDs].sort());
  });

  it('costs each node a handful of statements, whatever the lot size: lot-level aggregates, no fan-out', async () => {
    const q = `query($gtin: String!, $lot: String!) { lot(gtin: $gtin, lotNumber: $lot) { whereabouts { held { count } inTransit { count } dispensed { count } destroyedOrReturned { count } } patientContacts { count } } }`;
    const count = async (gtin: string, lot: string) => {
      for (const db of Object.values(net.databases)) db.statements.reset();
      const { errors } = await net.query(q, { gtin, lot }, { as: 'inspectorate' });
      expect(errors).toBeUndefined();
      return Object.fromEntries(Object.entries(net.databases).map(([name, db]) => [name, db.statements.count])) as Record<NodeName, number>;
    };
    // 20, 120 and 400 units: one position statement per node, plus master data looked up in a few
    // batched waves (how many depends on which partners a lot's units reached, never on how many units).
    // The lot-wide statements run in a transaction with their own settings (work_mem, planner costs), whose
    // BEGIN, set_config and COMMIT the PostgreSQL driver counts too: 13 at most for the manufacturer, which
    // also lists the lot's serials.
    const sizes = [
      await count(net.demo.products.metformin.gtin, net.demo.cases.shortDated.lot),
      await count(net.demo.cases.recall.gtin, net.demo.cases.recall.lot),
      await count(net.demo.products.amlodipine.gtin, 'AML2601'),
    ];
    for (const counts of sizes) for (const n of Object.values(counts)) expect(n).toBeLessThanOrEqual(13);
    // And no growth with the lot's size: per node, the three lots differ by a master data wave at most.
    for (const node of Object.keys(sizes[0]!) as NodeName[]) {
      const perLot = sizes.map((counts) => counts[node]);
      expect(Math.max(...perLot) - Math.min(...perLot), `${node}: ${perLot.join(', ')} statements`).toBeLessThanOrEqual(2);
    }
  });

  it('reverse genealogy: a contaminated ingredient lot yields the whole blast radius in one query', async () => {
    const ingredient = net.demo.cases.contaminatedIngredient;
    const { data, errors } = await net.query(
      `query($gtin: String!, $lot: String!) {
        componentLot(gtin: $gtin, lotNumber: $lot) {
          material lotNumber manufactureDate supplier { name } site { name country } eventIDs
          consumedBy {
            lotNumber unitCount
            whereabouts { held { count } inTransit { from { name } to { name } count } dispensed { dispenser { name } count } destroyedOrReturned { reason count } }
            patientContacts { count }
          }
        }
      }`,
      { gtin: ingredient.gtin, lot: ingredient.lot },
      { as: 'inspectorate' },
    );
    expect(errors).toBeUndefined();
    const c = data.componentLot;
    expect(c).toMatchObject({ material: ingredient.material, lotNumber: ingredient.lot, supplier: { name: ingredient.supplier.name }, site: { country: 'CN' } });
    expect(c.eventIDs).toHaveLength(1);
    expect(c.consumedBy.map((l: any) => l.lotNumber)).toEqual(ingredient.finishedLots);
    for (const lot of c.consumedBy) {
      const w = lot.whereabouts;
      const total = [...w.held, ...w.inTransit, ...w.dispensed, ...w.destroyedOrReturned].reduce((n: number, g: any) => n + g.count, 0);
      expect(total).toBe(lot.unitCount);
      expect(w.dispensed.length).toBeGreaterThan(0);
      expect(lot.patientContacts.reduce((n: number, d: any) => n + d.count, 0)).toBe(w.dispensed.reduce((n: number, g: any) => n + g.count, 0));
    }
    // The blast radius reaches every role: in stock, on the road (one case outside the network), with patients, destroyed.
    const [aml2601, aml2602] = c.consumedBy;
    expect(aml2601.whereabouts.inTransit[0]).toMatchObject({ from: { name: net.demo.parties.northline.name }, to: { name: net.demo.parties.rosen.name } });
    expect(aml2601.whereabouts.destroyedOrReturned.map((g: any) => g.reason).sort()).toEqual(['destroyed', 'expired', 'stolen']);
    expect(aml2602.whereabouts.inTransit[0]).toMatchObject({ to: { name: net.demo.parties.elbe.name }, count: 20 });
  });
});

describe('price violations and diversion', () => {
  const REPORT = /* GraphQL */ `
    query($gtin: String!, $from: DateTime!, $to: DateTime!, $tolerance: Float!) {
      priceViolations(gtin: $gtin, from: $from, to: $to, tolerance: $tolerance) {
        gtin tolerance
        priceList { id priceType amount currency channel region }
        tradingPartners { party { name } authorization licence }
        salesChecked
        bySeller {
          seller { gln name }
          salesChecked
          eventIDs
          violations { code message deviation reference { id priceType amount } sale { eventID soldAt buyer { name } unitPrice currency invoice } eventIDs partners { name } }
        }
      }
    }
  `;
  const YEAR = { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };

  it('finds the sale to an unlicensed buyer above the maximum price, grouped by selling distributor', async () => {
    const d = net.demo.cases.diversion;
    const { data, errors } = await net.query(REPORT, { gtin: d.unit.gtin, ...YEAR, tolerance: 0.05 });
    expect(errors).toBeUndefined();
    const r = data.priceViolations;
    expect(r.priceList.map((p: any) => p.priceType).sort()).toEqual(['CONTRACT', 'LIST', 'MAXIMUM']);
    expect(r.tradingPartners).toHaveLength(5);
    expect(r.salesChecked).toBeGreaterThan(5);
    expect(r.bySeller).toHaveLength(1);
    const harbor = r.bySeller[0];
    expect(harbor.seller).toEqual({ gln: d.seller.gln, name: d.seller.name });
    expect(harbor.eventIDs).toHaveLength(1);
    expect(harbor.violations.map((v: any) => v.code)).toEqual(['UNAUTHORIZED_BUYER', 'DEVIATES_FROM_LIST', 'ABOVE_MAXIMUM']);
    const max = harbor.violations[2];
    expect(max.sale).toMatchObject({ buyer: { name: d.buyer.name }, unitPrice: d.unitPrice, currency: 'EUR' });
    expect(max.sale.invoice).toMatch(/INV-/);
    expect(max.reference).toMatchObject({ priceType: 'MAXIMUM', amount: 5.04 });
    expect(max.deviation).toBeCloseTo(6.2 / 5.04 - 1, 3);
    expect(max.eventIDs).toEqual(harbor.eventIDs);
    expect(max.partners.map((p: any) => p.name)).toEqual([d.seller.name, d.buyer.name, net.demo.parties.meridian.name]);

    // The clean product has none, even with no tolerance at all; a tighter window excludes the diverted sale.
    const clean = await net.query(REPORT, { gtin: net.demo.products.metformin.gtin, ...YEAR, tolerance: 0 });
    expect(clean.errors).toBeUndefined();
    expect(clean.data.priceViolations.bySeller).toEqual([]);
    const before = await net.query(REPORT, { gtin: d.unit.gtin, from: YEAR.from, to: '2026-05-01T00:00:00Z', tolerance: 0 });
    expect(before.data.priceViolations.bySeller).toEqual([]);
  });

  it('from one diverted serial: the selling distributor of the sale that took it out of the chain, and every earlier sale', async () => {
    const d = net.demo.cases.diversion;
    const q = `query($code: String!) { trace(code: $code) { diversion { leftAuthorizedChain message buyerAuthorized sellingDistributor { name } lastSale { eventID seller { name } buyer { name } unitPrice currency invoice soldAt } earlierSales { seller { name } buyer { name } unitPrice invoice soldAt } priceViolations { code } eventIDs partners { name } } signals { code } } }`;
    const { data, errors } = await net.query(q, { code: code(d.unit) });
    expect(errors).toBeUndefined();
    const diversion = data.trace.diversion;
    expect(diversion).toMatchObject({
      leftAuthorizedChain: true,
      buyerAuthorized: false,
      sellingDistributor: { name: d.seller.name },
      lastSale: { seller: { name: d.seller.name }, buyer: { name: d.buyer.name }, unitPrice: d.unitPrice, currency: 'EUR', soldAt: '2026-05-20T06:00:00.000Z' },
    });
    expect(diversion.lastSale.invoice).toMatch(/INV-/);
    expect(diversion.earlierSales.map((s: any) => [s.seller.name, s.buyer.name])).toEqual([[net.demo.parties.meridian.name, d.seller.name]]);
    expect(diversion.priceViolations.map((v: any) => v.code)).toEqual(['UNAUTHORIZED_BUYER', 'DEVIATES_FROM_LIST', 'ABOVE_MAXIMUM']);
    expect(diversion.eventIDs).toContain(diversion.lastSale.eventID);
    expect(data.trace.signals.map((s: any) => s.code)).toEqual(['SOLD_TO_UNAUTHORIZED_BUYER']);

    // A pack that stayed in the authorized chain: its last recorded sale, and the two before it.
    const hero = (await net.query(q, { code: code(net.demo.heroUnit) })).data.trace.diversion;
    expect(hero).toMatchObject({ leftAuthorizedChain: false, buyerAuthorized: true, lastSale: { buyer: { name: net.demo.parties.rosen.name } }, priceViolations: [] });
    expect(hero.earlierSales.map((s: any) => s.seller.name)).toEqual([net.demo.parties.meridian.name, net.demo.parties.northline.name]);
  });
});

describe('quality control genealogy', () => {
  it('from a unit in one query: lot, manufacture, packaging site, every component with its origin, and the lots sharing one', async () => {
    const hero = net.demo.heroUnit;
    const { data, errors } = await net.query(
      `query($code: String!) { trace(code: $code) { lot {
        lotNumber manufactureDate packagingSite { name country }
        components { material lotNumber manufactureDate supplier { name } site { name country kind } eventIDs }
        lotsSharingComponents { lot { lotNumber manufactureDate } sharedComponents { lotNumber } }
        eventIDs partners { name }
      } } }`,
      { code: code(hero) },
    );
    expect(errors).toBeUndefined();
    const lot = data.trace.lot;
    expect(lot).toMatchObject({ lotNumber: 'AML2601', manufactureDate: '2026-02-02', packagingSite: { country: 'DE' } });
    expect(lot.components.map((c: any) => [c.lotNumber, c.supplier.name, c.site.country, c.manufactureDate])).toEqual([
      ['HY-AMB-2511', net.demo.parties.huayang.name, 'CN', '2025-11-18'],
      ['LE-MCC-2510', net.demo.parties.lombardia.name, 'IT', '2025-10-22'],
    ]);
    for (const c of lot.components) expect(c.eventIDs).toHaveLength(1);
    expect(lot.lotsSharingComponents.map((r: any) => [r.lot.lotNumber, r.sharedComponents.map((c: any) => c.lotNumber)])).toEqual([
      ['AML2602', ['HY-AMB-2511', 'LE-MCC-2510']],
      ['AML2603', ['LE-MCC-2510']],
      ['MET2601', ['LE-MCC-2510']],
      ['MET2602', ['LE-MCC-2510']],
    ]);
    // Evidence: the TransformationEvent that made the lot and the commissioning of its units; the partners behind them.
    expect(lot.eventIDs).toHaveLength(2);
    expect(lot.partners.map((p: any) => p.name)).toEqual([net.demo.parties.meridian.name, net.demo.parties.huayang.name, net.demo.parties.lombardia.name]);
  });
});
