/**
 * The fourth node, logistics: carriers' pickups, deliveries and sensor readings, captured as EPCIS 2.0
 * events into their own node, joined to the pack's trace through the gateway. The pack's cases and
 * pallets come from the other nodes (@requires), the storage conditions from the manufacturer's master
 * data, and an excursion becomes a signal of the pack's trace and verification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterDataChanged } from '@tracefed/kit/epcis/masterDataCache';
import { formatSsccUrn, toDigitalLink } from '@tracefed/kit/gs1/index';
import { startNetwork, type Network } from './harness.ts';

let net: Network;
beforeAll(async () => {
  net = await startNetwork();
}, 180_000);
afterAll(async () => {
  await net?.stop();
});

interface UnitKey {
  gtin: string;
  serial: string;
}

const code = (u: UnitKey) => toDigitalLink({ kind: 'sgtin', gtin: u.gtin, serial: u.serial });

const TRACE = `query($code: String!) {
  trace(code: $code) {
    gtin serial
    product { storage { minTemperature maxTemperature maxRelativeHumidity } }
    transit {
      carrier { gln name role } sscc key from { gln name } to { gln name } fromLocation { gln name } toLocation { gln name }
      vehicle { gln extension name kind } pickedUpAt deliveredAt readings { at type value uom eventID } eventIDs
    }
    temperatureExcursions { kind limit extreme uom startedAt endedAt durationMinutes readings sscc carrier { gln name } eventIDs }
    signals { code severity message eventIDs partners { gln name } }
  }
}`;

async function trace(u: UnitKey, as = 'fraud-unit') {
  const answer = await net.query(TRACE, { code: code(u) }, { as });
  return answer as { data?: any; errors?: any[] };
}

describe('carrier legs in a trace', () => {
  it('shows who carried a pack from the distributor to the pharmacy, with the excursion and its signal', async () => {
    const x = net.demo.coldChain.excursion;
    const unit = x.units[3]!;
    const leg = net.demo.coldChain.legs.find((l) => l.ssccs.includes(x.sscc))!;
    const { data, errors } = await trace(unit);
    expect(errors).toBeUndefined();
    const t = data.trace;
    expect(t.product.storage).toEqual({ minTemperature: 15, maxTemperature: 25, maxRelativeHumidity: 65 });
    expect(t.transit).toHaveLength(1);
    const [carried] = t.transit;
    expect(carried).toMatchObject({
      carrier: { gln: x.carrier.gln, name: x.carrier.name, role: 'logistics' },
      sscc: x.sscc,
      key: `/00/${x.sscc}`,
      from: { gln: x.from.gln, name: x.from.name },
      to: { gln: x.to.gln, name: x.to.name },
      fromLocation: { gln: x.from.site.gln, name: x.from.site.name },
      toLocation: { gln: x.to.site.gln, name: x.to.site.name },
      vehicle: { gln: x.carrier.site.gln, extension: 'VAN-311', name: 'Kaltweg refrigerated van HB-KW 311', kind: 'vehicle' },
      pickedUpAt: leg.pickedUpAt,
      deliveredAt: leg.deliveredAt,
    });
    // Pickup, the logger's report and delivery.
    expect(carried.eventIDs).toHaveLength(3);
    // Temperature and humidity every ten minutes between pickup and delivery.
    const temperatures = carried.readings.filter((r: any) => r.type === 'Temperature');
    expect(temperatures.length).toBe(carried.readings.length / 2);
    expect(temperatures.length).toBe((Date.parse(leg.deliveredAt!) - Date.parse(leg.pickedUpAt)) / 600_000 - 1);
    for (const r of carried.readings) {
      expect(Date.parse(r.at)).toBeGreaterThan(Date.parse(leg.pickedUpAt));
      expect(Date.parse(r.at)).toBeLessThan(Date.parse(leg.deliveredAt!));
      expect(r.uom).toBe(r.type === 'Temperature' ? 'CEL' : 'P1');
    }
    expect(Math.max(...temperatures.map((r: any) => r.value))).toBe(31);

    expect(t.temperatureExcursions).toEqual([
      {
        kind: x.kind,
        limit: x.limit,
        extreme: x.extreme,
        uom: 'CEL',
        startedAt: x.startedAt,
        endedAt: x.endedAt,
        durationMinutes: x.durationMinutes,
        readings: x.readings,
        sscc: x.sscc,
        carrier: { gln: x.carrier.gln, name: x.carrier.name },
        eventIDs: [expect.stringMatching(/^urn:uuid:/)],
      },
    ]);
    // The excursion's evidence is the carrier's sensor report of the leg.
    expect(carried.eventIDs).toContain(t.temperatureExcursions[0].eventIDs[0]);

    // An excursion is a quality signal of the pack: COMPLIANCE, with the carrier as the partner.
    const signal = t.signals.find((s: any) => s.code === 'TEMPERATURE_EXCURSION');
    expect(t.signals.map((s: any) => s.code)).toEqual(['TEMPERATURE_EXCURSION']);
    expect(signal).toMatchObject({
      severity: 'COMPLIANCE',
      eventIDs: t.temperatureExcursions[0].eventIDs,
      partners: [{ gln: x.carrier.gln, name: x.carrier.name }],
    });
    expect(signal.message).toContain('above its maximum storage temperature of 25 °C');
    expect(signal.message).toContain('up to 31 °C for 40 minutes from 2026-04-09 11:05 UTC');
    expect(signal.message).toContain(`in container ${x.sscc}, carried by ${x.carrier.name} (GLN ${x.carrier.gln})`);
  });

  it('shows the clean legs of other packs: the README example pack went with Kaltweg from Harbor to Rosen-Apotheke', async () => {
    const hero = net.demo.heroUnit;
    const { data, errors } = await trace(hero);
    expect(errors).toBeUndefined();
    expect(data.trace.transit.map((l: any) => [l.carrier.name, l.from.name, l.to.name, l.pickedUpAt, l.deliveredAt])).toEqual([
      ['Kaltweg Medizinlogistik GmbH', 'Harbor Medical Supply GmbH', 'Rosen-Apotheke', '2026-04-02T06:15:00.000Z', '2026-04-02T13:45:00.000Z'],
    ]);
    expect(data.trace.temperatureExcursions).toEqual([]);
    expect(data.trace.signals).toEqual([]);
  });

  it('shows the leg of a pack still on the road as picked up and not delivered', async () => {
    const leg = net.demo.coldChain.legs.find((l) => l.deliveredAt === null)!;
    expect(leg.carrier.key).toBe('frostline');
    const { data, errors } = await trace(leg.units[0]!);
    expect(errors).toBeUndefined();
    const carried = data.trace.transit.find((l: any) => l.deliveredAt === null);
    expect(carried).toMatchObject({ carrier: { name: leg.carrier.name }, from: { name: leg.from.name }, to: { name: leg.to.name }, pickedUpAt: leg.pickedUpAt });
    expect(carried.readings.length).toBeGreaterThan(0);
  });

  it('shows no legs for a pack no carrier carried', async () => {
    const { data, errors } = await trace(net.demo.coldChain.notCarried);
    expect(errors).toBeUndefined();
    expect(data.trace.transit).toEqual([]);
    expect(data.trace.temperatureExcursions).toEqual([]);
    expect(data.trace.signals).toEqual([]);
  });

  it('follows a pack through the mixed case Northline repacked: the leg of the new case, not of the cases it came from', async () => {
    const { sscc, units } = net.demo.repacked;
    const { data, errors } = await trace(units[0]!);
    expect(errors).toBeUndefined();
    expect(data.trace.transit.map((l: any) => [l.sscc, l.carrier.name, l.to.name])).toEqual([[sscc, 'Frostline Pharma Logistik GmbH', 'St. Anna Hospital Pharmacy']]);
  });
});

describe('the excursion in verification', () => {
  const VERIFY = `query($gtin: String!, $serial: String!, $lot: String, $expiry: String) {
    verify(gtin: $gtin, serial: $serial, lot: $lot, expiry: $expiry) {
      data { verified verificationFailureReason additionalInfo }
      packStatus { state }
      signals { code severity message eventIDs }
      eventIDs
      partners { gln name }
    }
  }`;

  it('lists the excursion signal and its evidence; the pack is still verified, not suspect of falsification', async () => {
    const x = net.demo.coldChain.excursion;
    const unit = x.units[0]!;
    const { data, errors } = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial, lot: unit.lot, expiry: unit.expiry });
    expect(errors).toBeUndefined();
    const v = data.verify;
    expect(v.data).toEqual({ verified: true, verificationFailureReason: null, additionalInfo: null });
    expect(v.signals).toHaveLength(1);
    expect(v.signals[0]).toMatchObject({ code: 'TEMPERATURE_EXCURSION', severity: 'COMPLIANCE' });
    expect(v.eventIDs).toEqual(expect.arrayContaining(v.signals[0].eventIDs));
    expect(v.partners).toContainEqual({ gln: x.carrier.gln, name: x.carrier.name });
  });

  it('gives any partner the signal, and its evidence only to those who may see the pack\'s custody', async () => {
    const unit = net.demo.coldChain.excursion.units[0]!;
    const { data, errors } = await net.query(VERIFY, { gtin: unit.gtin, serial: unit.serial }, { as: 'stanna' });
    expect(data.verify.data.verified).toBe(true);
    expect(data.verify.signals[0]).toMatchObject({ code: 'TEMPERATURE_EXCURSION', severity: 'COMPLIANCE', eventIDs: null });
    expect(data.verify.signals[0].message).not.toContain('Kaltweg');
    expect(errors?.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });
});

describe('who may see the legs and excursions', () => {
  const LEGS = `query($gtin: String!, $serial: String!) {
    unit(gtin: $gtin, serial: $serial) { gtin serial transit { carrier { gln } } temperatureExcursions { kind } }
  }`;

  it('lets the carrier, the partners it carried between, the manufacturer and the authorities see them', async () => {
    const unit = net.demo.coldChain.excursion.units[0]!;
    for (const as of ['kaltweg', 'harbor', 'rosen', 'meridian', 'inspectorate', 'fraud-unit']) {
      const { data, errors } = await net.query(LEGS, { gtin: unit.gtin, serial: unit.serial }, { as });
      expect(errors, as).toBeUndefined();
      expect(data.unit.transit, as).toEqual([{ carrier: { gln: net.demo.parties.kaltweg.gln } }]);
      expect(data.unit.temperatureExcursions, as).toEqual([{ kind: 'ABOVE_MAX_TEMPERATURE' }]);
    }
  });

  it('refuses a partner that had no part in it with FORBIDDEN, and leaves the rest of the answer as it is', async () => {
    const unit = net.demo.coldChain.excursion.units[0]!;
    for (const as of ['stanna', 'northline', 'frostline']) {
      const { data, errors } = await net.query(LEGS, { gtin: unit.gtin, serial: unit.serial }, { as });
      expect(data.unit, as).toEqual({ gtin: unit.gtin, serial: unit.serial, transit: null, temperatureExcursions: null });
      // The two fields come from separate fetches: their errors arrive in either order.
      expect(errors?.map((e: any) => [e.path.join('.'), e.extensions.code]).sort(), as).toEqual([
        ['unit.temperatureExcursions', 'FORBIDDEN'],
        ['unit.transit', 'FORBIDDEN'],
      ]);
      for (const e of errors ?? []) expect(e.message).not.toContain(net.demo.parties.kaltweg.name);
    }
  });

  it('answers a container\'s legs to the carrier and refuses them to others', async () => {
    const x = net.demo.coldChain.excursion;
    const leg = net.demo.coldChain.legs.find((l) => l.ssccs.includes(x.sscc))!;
    const q = `query($sscc: String!) { container(sscc: $sscc) { sscc transit { carrier { name } from { name } to { name } deliveredAt } } }`;
    const carrier = await net.query(q, { sscc: x.sscc }, { as: 'kaltweg' });
    expect(carrier.errors).toBeUndefined();
    expect(carrier.data.container).toEqual({
      sscc: x.sscc,
      transit: [{ carrier: { name: x.carrier.name }, from: { name: x.from.name }, to: { name: x.to.name }, deliveredAt: leg.deliveredAt }],
    });
    const other = await net.query(q, { sscc: x.sscc }, { as: 'linden' });
    expect(other.data.container).toEqual({ sscc: x.sscc, transit: null });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await net.query(q, { sscc: '340612340000000018' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/check digit/);
  });
});

describe('capture into the logistics node', () => {
  const document = (events: unknown[]) => ({
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-11-28T00:00:00Z',
    epcisBody: { eventList: events },
  });
  const loading = (readPoint: string) => ({
    type: 'ObjectEvent',
    eventTime: '2026-11-28T08:00:00.000+01:00',
    eventTimeZoneOffset: '+01:00',
    action: 'OBSERVE',
    bizStep: 'loading',
    epcList: [`https://id.gs1.org/00/${net.demo.coldChain.excursion.sscc}`],
    readPoint: { id: readPoint },
  });
  const capture = async (as: string, url: string, body: unknown) =>
    fetch(new URL('/epcis/capture', url), {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json', ...(await net.authHeaders(as)) },
      body: JSON.stringify(body),
    });

  it('takes a carrier\'s events only at its own locations, and no other partner\'s', async () => {
    const logistics = net.subgraphs.logistics.url;
    const frostline = net.demo.parties.frostline;
    const elsewhere = await capture('frostline', logistics, document([loading(`https://id.gs1.org/414/${net.demo.parties.northline.site.gln}`)]));
    expect(elsewhere.status).toBe(403);
    expect(JSON.stringify(await elsewhere.json())).toMatch(/not a location of partner/);
    const distributor = await capture('northline', logistics, document([loading(`https://id.gs1.org/414/${net.demo.parties.northline.site.gln}`)]));
    expect(distributor.status).toBe(403);
    const intoDistributorNode = await capture('frostline', net.subgraphs.distributor.url, document([loading(`https://id.gs1.org/414/${frostline.site.gln}`)]));
    expect(intoDistributorNode.status).toBe(403);
  });

  it('accepts readings in every GS1 spelling, and a new excursion shows at once', async () => {
    const frostline = net.demo.parties.frostline;
    // A pack in Northline's stock no carrier carried yet (in the case beside the one of coldChain.notCarried).
    const unit = net.demo.pallets[3]!.units[25]!;
    expect(net.demo.coldChain.legs.some((l) => l.units.some((u) => u.serial === unit.serial))).toBe(false);
    // The case that holds it, by Northline's own records.
    const stays = await net.query(
      `query($gtin: String!, $serial: String!) { unit(gtin: $gtin, serial: $serial) { custody { containers { sscc depth node } } } }`,
      { gtin: unit.gtin, serial: unit.serial },
    );
    const sscc = stays.data.unit.custody.containers.find((c: any) => c.depth === 1 && c.node === 'DISTRIBUTOR').sscc as string;
    const van = `https://id.gs1.org/414/${frostline.site.gln}/254/VAN-99`;
    const reply = await capture('frostline', net.subgraphs.logistics.url, document([
      { ...loading(van), eventTime: '2026-11-28T08:00:00.000+01:00', epcList: [`https://id.gs1.org/00/${sscc}`] },
      {
        type: 'ObjectEvent',
        eventTime: '2026-11-28T09:00:00.000+01:00',
        eventTimeZoneOffset: '+01:00',
        action: 'OBSERVE',
        bizStep: 'sensor_reporting',
        epcList: [formatSsccUrn(sscc, 7)],
        readPoint: { id: van },
        sensorElementList: [
          { sensorMetadata: { time: '2026-11-28T08:20:00.000+01:00' }, sensorReport: [{ type: 'Temperature', value: 50, uom: 'FAH' }] },
          { sensorMetadata: { time: '2026-11-28T08:30:00.000+01:00' }, sensorReport: [{ type: 'https://gs1.org/voc/Temperature', value: 284.15, uom: 'KEL' }] },
          { sensorMetadata: { time: '2026-11-28T08:40:00.000+01:00' }, sensorReport: [{ type: 'gs1:Temperature', value: 18, uom: 'CEL' }] },
        ],
      },
    ]));
    expect(reply.status).toBe(202);
    const { data, errors } = await trace(unit);
    expect(errors).toBeUndefined();
    expect(data.trace.transit).toMatchObject([{ sscc, carrier: { gln: frostline.gln }, deliveredAt: null }]);
    expect(data.trace.temperatureExcursions).toMatchObject([
      { kind: 'BELOW_MIN_TEMPERATURE', limit: 15, extreme: 10, readings: 2, durationMinutes: 20, startedAt: '2026-11-28T07:20:00.000Z' },
    ]);
    expect(data.trace.signals.map((s: any) => s.code)).toEqual(['TEMPERATURE_EXCURSION']);
  });
});

describe('batching', () => {
  it('costs the logistics node the same statements for a whole lot as for ten of its units', async () => {
    const gtin = net.demo.products.metformin.gtin;
    const q = `query($gtin: String!, $lot: String!, $first: Int!, $after: String) {
      lot(gtin: $gtin, lotNumber: $lot) {
        units(first: $first, after: $after) {
          serial
          transit { carrier { name } from { name } to { name } toLocation { name operatedBy { name } } vehicle { name } pickedUpAt readings { value } }
          temperatureExcursions { kind carrier { name } }
          signals { code }
        }
      }
    }`;
    const statements = async (first: number, after: string | null) => {
      // Cold: the node's master data cache emptied, so both answers pay for their own look-ups.
      masterDataChanged(net.databases.logistics.db);
      net.databases.logistics.statements.reset();
      const answer = await net.query(q, { gtin, lot: 'MET2601', first, after });
      expect(answer.errors).toBeUndefined();
      return { count: net.databases.logistics.statements.count, units: answer.data.lot.units as any[] };
    };
    const all = await statements(1000, null);
    expect(all.units).toHaveLength(400);
    const excursionSerials = new Set(net.demo.coldChain.excursion.units.map((u) => u.serial));
    expect(all.units.filter((u) => u.temperatureExcursions.length > 0).map((u) => u.serial).sort()).toEqual([...excursionSerials].sort());
    expect(all.units.filter((u) => u.transit.length > 0).length).toBeGreaterThan(excursionSerials.size);
    // Ten units that include a pack of the excursion case, so both answers need the same kinds of look-ups.
    const first = all.units.findIndex((u) => excursionSerials.has(u.serial));
    const few = await statements(10, first > 0 ? all.units[first - 1].serial : null);
    expect(few.units.some((u) => u.temperatureExcursions.length > 0)).toBe(true);
    // No N+1: 400 units cost what 10 do, a few statements. Not exactly the same number: with the master
    // data cache a look-up wave can be answered from memory in one request and need the database in the
    // other, depending on which parties the units name first.
    expect(all.count).toBeLessThanOrEqual(6);
    expect(few.count).toBeLessThanOrEqual(6);
  });
});

describe('the logistics node on its own', () => {
  const ENTITIES = `query($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on SerializedUnit { gtin temperatureExcursions { kind extreme } } }
  }`;

  it('answers _entities from the representation the gateway would send, and says what is missing from one that lacks it', async () => {
    const x = net.demo.coldChain.excursion;
    const unit = x.units[0]!;
    const stays = { containers: [{ key: `/00/${x.sscc}`, from: '2026-03-01T00:00:00.000Z', to: null }] };
    const none = { containers: [] };
    const representation = {
      __typename: 'SerializedUnit',
      gtin: unit.gtin,
      serial: unit.serial,
      product: { storage: { minTemperature: 15, maxTemperature: 30, maxRelativeHumidity: null } },
      manufacturerCustody: none,
      distributorCustody: stays,
      dispenserCustody: none,
    };
    const url = net.subgraphs.logistics.url;
    const ok = await net.query(ENTITIES, { representations: [representation] }, { url });
    expect(ok.errors).toBeUndefined();
    // Judged by the storage conditions it was given: above 30 °C only at 31 °C.
    expect(ok.data._entities).toEqual([{ gtin: unit.gtin, temperatureExcursions: [{ kind: 'ABOVE_MAX_TEMPERATURE', extreme: 31 }] }]);
    const { distributorCustody: _left, ...lacking } = representation;
    const refused = await net.query(ENTITIES, { representations: [lacking] }, { url });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/distributorCustody/);
  });
});
