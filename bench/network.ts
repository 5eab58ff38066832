/**
 * A synthetic network at national scale, shaped like the demo (scripts/demo/network.ts): ingredient lots
 * turned into finished lots of up to 100,000 units, cases and pallets, multi-hop distribution through a
 * multi-tenant distributor node, and dispensing at many pharmacies on a multi-tenant dispenser node.
 *
 * Deterministic for a given seed. Events are planned as small closures and materialised as GS1 EPCIS 2.0
 * JSON only when they are loaded, so a million units never sit in memory as JSON at once. Each node's
 * events come out in time order, which is the order a node captures them in.
 */
import {
  computeCheckDigit,
  formatIdpatSgtinUrn,
  formatLgtinUrn,
  formatPglnUrn,
  formatSglnUrn,
  formatSgtinUrn,
  formatSsccUrn,
  toDigitalLink,
} from '@tracefed/kit/gs1/index';

export type NodeName = 'manufacturer' | 'distributor' | 'dispenser';
export const NODE_NAMES: readonly NodeName[] = ['manufacturer', 'distributor', 'dispenser'];

export interface NetworkOptions {
  units: number;
  seed?: number;
  /** Distributors (tenants of the distributor node). */
  distributors?: number;
  /** Pharmacies and hospital pharmacies (tenants of the dispenser node); default one per 2,000 units. */
  dispensers?: number;
  /** Largest finished lot; the first lot always has this size when the network is big enough. */
  maxLotSize?: number;
}

export interface Party {
  gln: string;
  prefix: string;
  name: string;
  role: 'manufacturer' | 'supplier' | 'distributor' | 'dispenser';
  country: string;
  node: NodeName | null;
  siteGln: string;
  siteName: string;
  siteKind: string;
  /** Where this partner's Digital Links point; the manufacturer writes EPC URNs instead. */
  host: string;
}

export interface Product {
  gtin: string;
  name: string;
  nationalCode: string;
  dosageForm: string;
  strength: string;
  price: number;
}

export interface ComponentLot {
  gtin: string;
  lot: string;
  material: string;
  kind: string;
  supplier: Party;
  productionDate: string;
  quantity: number;
  uom: string;
}

export interface FinishedLot {
  index: number;
  product: Product;
  lot: string;
  made: string;
  expiry: string;
  components: ComponentLot[];
  /** Units [firstUnit, firstUnit + size) of the network's unit list. */
  firstUnit: number;
  size: number;
}

/** One event as a node will capture it: who captured it, when, and how to build its JSON. */
export interface PlannedEvent {
  time: number;
  order: number;
  owner: string;
  build(): Record<string, unknown>;
}

/** A master data document a node receives before its first event. */
export interface MasterDataDocument {
  owner: string;
  document: Record<string, unknown>;
}

export interface NodePlan {
  node: NodeName;
  masterData: MasterDataDocument;
  /** Events in capture (time) order. */
  events: PlannedEvent[];
}

export interface SyntheticNetwork {
  options: Required<NetworkOptions>;
  manufacturer: Party;
  distributors: Party[];
  dispensers: Party[];
  products: Product[];
  lots: FinishedLot[];
  /** Lot index of every unit, by unit index (lots are contiguous ranges). */
  unitLot: Uint32Array;
  serials: string[];
  nodes: Record<NodeName, NodePlan>;
  /** What happened to each unit (for choosing samples and checking answers). */
  fate: Uint8Array;
}

/** Unit fates, counted in the run summary. */
export const FATE = {
  AT_MANUFACTURER: 0,
  IN_TRANSIT_TO_DISTRIBUTOR: 1,
  AT_DISTRIBUTOR: 2,
  IN_TRANSIT_TO_DISPENSER: 3,
  AT_DISPENSER: 4,
  DISPENSED: 5,
  DECOMMISSIONED: 6,
} as const;

export const UNITS_PER_CASE = 50;
export const CASES_PER_PALLET = 40;
const CPL = 7;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const START = Date.parse('2026-01-05T05:00:00.000Z');
/** Lots are made over this many days, so every event lies before the demo's "today" (2026-11-28). */
const PRODUCTION_SPAN_DAYS = 170;

const PRESCRIPTION_TYPE = 'https://ns.tracefed.org/epcis/btt/prescription';
const TF_CONTEXT = ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { tf: 'https://ns.tracefed.org/epcis/' }];

/** mulberry32: small, fast and deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const withCheck = (digits: string) => digits + computeCheckDigit(digits);
const glnOf = (prefix: string, ref: string) => withCheck((prefix + ref).padEnd(12, '0').slice(0, 12));
const gtinOf = (prefix: string, item: string) => withCheck(`0${prefix}${item}`.slice(0, 13));
const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

function party(
  prefix: string,
  name: string,
  role: Party['role'],
  country: string,
  node: NodeName | null,
  siteName: string,
  siteKind: string,
  host: string,
): Party {
  return { gln: glnOf(prefix, '000'), prefix, name, role, country, node, siteGln: glnOf(prefix, '001'), siteName, siteKind, host };
}

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CITIES = ['Hamburg', 'Bremen', 'Berlin', 'Munich', 'Cologne', 'Frankfurt', 'Stuttgart', 'Leipzig', 'Dresden', 'Hanover', 'Nuremberg', 'Essen'];
const PRODUCT_NAMES: Array<[string, string, string, number]> = [
  ['Amlodipine 5 mg tablets, 30 pcs', 'TABLET', '5 mg', 4.2],
  ['Metformin 500 mg film-coated tablets, 60 pcs', 'FILM_COATED_TABLET', '500 mg', 3.1],
  ['Atorvastatin 20 mg tablets, 30 pcs', 'TABLET', '20 mg', 6.4],
  ['Ramipril 5 mg tablets, 50 pcs', 'TABLET', '5 mg', 5.3],
  ['Pantoprazole 40 mg gastro-resistant tablets, 28 pcs', 'GASTRO_RESISTANT_TABLET', '40 mg', 7.9],
  ['Levothyroxine 75 µg tablets, 100 pcs', 'TABLET', '75 µg', 8.6],
  ['Bisoprolol 2.5 mg tablets, 30 pcs', 'TABLET', '2.5 mg', 4.7],
  ['Ibuprofen 400 mg film-coated tablets, 20 pcs', 'FILM_COATED_TABLET', '400 mg', 3.6],
];

/** Builds the plan of a whole network of `units` serialized packs. */
export function buildNetwork(input: NetworkOptions): SyntheticNetwork {
  const options: Required<NetworkOptions> = {
    units: input.units,
    seed: input.seed ?? 20261128,
    distributors: input.distributors ?? 12,
    dispensers: input.dispensers ?? Math.min(5000, Math.max(20, Math.round(input.units / 2000))),
    maxLotSize: input.maxLotSize ?? 100_000,
  };
  if (!Number.isInteger(options.units) || options.units < UNITS_PER_CASE) {
    throw new Error(`--units must be an integer of at least ${UNITS_PER_CASE}, got ${options.units}`);
  }
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

  const manufacturer = party('4061234', 'Meridian Pharmaceuticals GmbH', 'manufacturer', 'DE', 'manufacturer', 'Meridian packaging plant, Leipzig', 'packaging', 'https://id.gs1.org');
  const suppliers = [
    party('6901234', 'Zhejiang Huayang Fine Chemicals Co.', 'supplier', 'CN', null, 'Huayang API synthesis site, Taizhou', 'synthesis', 'https://id.gs1.org'),
    party('8901234', 'Deccan Life Sciences Ltd', 'supplier', 'IN', null, 'Deccan API synthesis site, Hyderabad', 'synthesis', 'https://id.gs1.org'),
    party('8012345', 'Lombardia Excipients SpA', 'supplier', 'IT', null, 'Lombardia excipient plant, Bergamo', 'production', 'https://id.gs1.org'),
  ] as const;
  const distributors = Array.from({ length: options.distributors }, (_, i) => {
    const city = CITIES[i % CITIES.length] as string;
    return party(`40${String(100 + i).padStart(5, '0')}`, `Pharma Wholesale ${city} ${i + 1}`, 'distributor', 'DE', 'distributor', `Distribution centre ${i + 1}, ${city}`, 'warehouse', `https://dl.wholesale${i + 1}.example`);
  });
  const dispensers = Array.from({ length: options.dispensers }, (_, i) => {
    const city = CITIES[i % CITIES.length] as string;
    const hospital = i % 10 === 9;
    return party(
      `41${String(i).padStart(7, '0')}`,
      hospital ? `Hospital Pharmacy ${i + 1}, ${city}` : `Apotheke ${i + 1}, ${city}`,
      'dispenser',
      'DE',
      'dispenser',
      hospital ? `Hospital pharmacy ${i + 1}, ${city}` : `Apotheke ${i + 1}, ${city}`,
      hospital ? 'hospital' : 'pharmacy',
      `https://scan.pharmacy${i + 1}.example`,
    );
  });

  const products: Product[] = PRODUCT_NAMES.map(([name, dosageForm, strength, price], i) => ({
    gtin: gtinOf(manufacturer.prefix, String(10001 + i)),
    name,
    nationalCode: `PZN 18${String(234567 + i * 6).padStart(6, '0')}`,
    dosageForm,
    strength,
    price,
  }));

  // ---- Lots: the first is as large as allowed (the recall lot), the rest vary in size. ----
  const lotSizes: number[] = [];
  let left = options.units;
  while (left > 0) {
    const wanted = lotSizes.length === 0 ? options.maxLotSize : Math.round(options.maxLotSize * (0.2 + 0.8 * random()));
    const size = Math.min(left, Math.max(UNITS_PER_CASE, wanted));
    lotSizes.push(size);
    left -= size;
  }
  const lots: FinishedLot[] = [];
  let firstUnit = 0;
  lotSizes.forEach((size, index) => {
    const product = products[index % products.length] as Product;
    const madeMs = START + Math.floor((index * PRODUCTION_SPAN_DAYS) / Math.max(1, lotSizes.length)) * DAY;
    const made = day(madeMs);
    const expiry = `${Number(made.slice(0, 4)) + 2}${made.slice(4, 8)}01`;
    const api = suppliers[index % 2] as Party;
    const excipient = suppliers[2];
    const components: ComponentLot[] = [
      {
        gtin: gtinOf(api.prefix, String(20001 + (index % products.length))),
        lot: `${api === suppliers[0] ? 'HY' : 'DLS'}-API-${String(index + 1).padStart(4, '0')}`,
        material: `${product.name.split(' ')[0]} (API)`,
        kind: 'active_ingredient',
        supplier: api,
        productionDate: day(madeMs - 45 * DAY),
        quantity: Math.round(size * 0.15) / 1000,
        uom: 'KGM',
      },
      {
        gtin: gtinOf(excipient.prefix, '40001'),
        lot: `LE-MCC-${String(index + 1).padStart(4, '0')}`,
        material: 'Microcrystalline cellulose (excipient)',
        kind: 'excipient',
        supplier: excipient,
        productionDate: day(madeMs - 70 * DAY),
        quantity: Math.round(size * 0.4) / 1000,
        uom: 'KGM',
      },
    ];
    lots.push({ index, product, lot: `NL26${String(index + 1).padStart(5, '0')}`, made, expiry, components, firstUnit, size });
    firstUnit += size;
  });

  // ---- Serials: random, unique per GTIN. ----
  const serials: string[] = new Array(options.units);
  const unitLot = new Uint32Array(options.units);
  for (const lot of lots) {
    const seen = new Set<string>();
    for (let u = lot.firstUnit; u < lot.firstUnit + lot.size; u += 1) {
      let serial = '';
      do {
        serial = '';
        for (let c = 0; c < 10; c += 1) serial += SERIAL_ALPHABET[Math.floor(random() * SERIAL_ALPHABET.length)];
      } while (seen.has(serial));
      seen.add(serial);
      serials[u] = serial;
      unitLot[u] = lot.index;
    }
  }
  const fate = new Uint8Array(options.units);

  // ---- Identifier spellings: each partner writes them the way its own systems do. ----
  const unitGtin = (u: number) => (lots[unitLot[u] as number] as FinishedLot).product.gtin;
  const unitId = (p: Party, u: number) =>
    p === manufacturer
      ? formatSgtinUrn(unitGtin(u), serials[u] as string, CPL)
      : toDigitalLink({ kind: 'sgtin', gtin: unitGtin(u), serial: serials[u] as string }, p.host);
  const ssccId = (p: Party, sscc: string) => (p === manufacturer ? formatSsccUrn(sscc, CPL) : toDigitalLink({ kind: 'sscc', sscc }, p.host));
  const siteId = (p: Party, of: Party = p) => (p === manufacturer ? formatSglnUrn(of.siteGln, '0', CPL) : toDigitalLink({ kind: 'sgln', gln: of.siteGln }, p.host));
  const partyId = (p: Party, of: Party) => (p === manufacturer ? formatPglnUrn(of.gln, CPL) : toDigitalLink({ kind: 'pgln', gln: of.gln }, p.host));

  let order = 0;
  const plans: Record<NodeName, PlannedEvent[]> = { manufacturer: [], distributor: [], dispenser: [] };
  const eventCounters = new Map<string, number>();
  const eventId = (owner: Party) => {
    const n = (eventCounters.get(owner.gln) ?? 0) + 1;
    eventCounters.set(owner.gln, n);
    return `urn:uuid:${owner.gln.slice(0, 8)}-${owner.gln.slice(8, 12)}-5${owner.gln.slice(12)}00-a000-${n.toString(16).padStart(12, '0')}`;
  };
  const plan = (writer: Party, time: number, build: (id: string, at: string) => Record<string, unknown>) => {
    const node = writer.node as NodeName;
    // The ID is fixed when the event is planned, so building an event twice gives the same event.
    const id = eventId(writer);
    plans[node].push({ time, order: order++, owner: writer.gln, build: () => build(id, iso(time)) });
  };
  const common = (p: Party, at: string) => ({
    eventTime: at,
    eventTimeZoneOffset: '+01:00',
    readPoint: { id: siteId(p) },
    bizLocation: { id: siteId(p) },
  });

  // ---- Manufacturer: transformation, commissioning, packing, shipping to distributors. ----
  let ssccCounter = 0;
  const nextSscc = () => withCheck(`3${manufacturer.prefix}${String(++ssccCounter).padStart(16 - manufacturer.prefix.length, '0')}`);
  let invoiceNo = 0;
  const caseUnits = new Map<string, [number, number]>();
  const m = manufacturer;

  interface Shipment {
    seller: Party;
    buyer: Party;
    ssccs: string[];
    shippedAt: number;
    receivedAt: number | null;
    unitPrice: number;
    /** Pallet SSCC -> its case SSCCs, for the buyer's receiving inspection. */
    pallets: Map<string, string[]>;
  }
  const ship = (s: Shipment) => {
    invoiceNo += 1;
    const inv = `urn:epcglobal:cbv:bt:${s.seller.gln}:INV-${String(invoiceNo).padStart(8, '0')}`;
    const po = `urn:epcglobal:cbv:bt:${s.buyer.gln}:PO-${String(invoiceNo).padStart(8, '0')}`;
    plan(s.seller, s.shippedAt, (id, at) => ({
      type: 'ObjectEvent',
      eventID: id,
      ...common(s.seller, at),
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
      epcList: s.ssccs.map((x) => ssccId(s.seller, x)),
      bizTransactionList: [
        { type: 'inv', bizTransaction: inv },
        { type: 'po', bizTransaction: po },
      ],
      sourceList: [
        { type: 'owning_party', source: partyId(s.seller, s.seller) },
        { type: 'location', source: siteId(s.seller) },
      ],
      destinationList: [
        { type: 'owning_party', destination: partyId(s.seller, s.buyer) },
        { type: 'location', destination: siteId(s.seller, s.buyer) },
      ],
      'tf:unitPrice': s.unitPrice,
      'tf:currency': 'EUR',
    }));
    if (s.receivedAt === null) return;
    const b = s.buyer;
    plan(b, s.receivedAt, (id, at) => ({
      type: 'ObjectEvent',
      eventID: id,
      ...common(b, at),
      action: 'OBSERVE',
      bizStep: 'receiving',
      disposition: 'in_progress',
      epcList: s.ssccs.map((x) => ssccId(b, x)),
      bizTransactionList: [
        { type: 'inv', bizTransaction: inv },
        { type: 'po', bizTransaction: po },
      ],
      sourceList: [{ type: 'owning_party', source: partyId(b, s.seller) }],
      destinationList: [{ type: 'owning_party', destination: partyId(b, b) }],
    }));
    // Receiving inspection: what the buyer found inside each container (from the despatch advice).
    for (const sscc of s.ssccs) {
      const cases = s.pallets.get(sscc);
      if (cases) observe(b, sscc, cases.map((c) => ssccId(b, c)), s.receivedAt);
      for (const c of cases ?? [sscc]) {
        const [from, to] = caseUnits.get(c) as [number, number];
        observe(b, c, range(from, to).map((u) => unitId(b, u)), s.receivedAt);
      }
    }
  };
  const observe = (p: Party, parent: string, children: string[], time: number) =>
    plan(p, time, (id, at) => ({
      type: 'AggregationEvent',
      eventID: id,
      ...common(p, at),
      parentID: ssccId(p, parent),
      childEPCs: children,
      action: 'OBSERVE',
      bizStep: 'receiving',
      disposition: 'in_progress',
    }));
  const unpack = (p: Party, sscc: string, time: number) =>
    plan(p, time, (id, at) => ({
      type: 'AggregationEvent',
      eventID: id,
      ...common(p, at),
      parentID: ssccId(p, sscc),
      action: 'DELETE',
      bizStep: 'unpacking',
      disposition: 'in_progress',
    }));

  const price = (product: Product, markup: number) => Math.round(product.price * markup * 100) / 100;
  let patient = 0;

  for (const lot of lots) {
    const product = lot.product;
    const madeMs = Date.parse(`${lot.made}T05:00:00.000Z`);
    const ilmd = { 'cbvmda:lotNumber': lot.lot, 'cbvmda:itemExpirationDate': lot.expiry, 'tf:productionDate': lot.made };
    plan(m, madeMs, (id, at) => ({
      type: 'TransformationEvent',
      eventID: id,
      ...common(m, at),
      transformationID: `urn:epcglobal:cbv:xform:${m.prefix}.${lot.lot}`,
      bizStep: 'creating_class_instance',
      disposition: 'active',
      inputQuantityList: lot.components.map((c) => ({ epcClass: formatLgtinUrn(c.gtin, c.lot, CPL), quantity: c.quantity, uom: c.uom })),
      outputQuantityList: [{ epcClass: formatLgtinUrn(product.gtin, lot.lot, CPL), quantity: lot.size }],
      ilmd,
    }));
    const caseCount = Math.ceil(lot.size / UNITS_PER_CASE);
    const pallets: Array<{ sscc: string; cases: string[]; packedAt: number }> = [];
    for (let c = 0; c < caseCount; c += 1) {
      const from = lot.firstUnit + c * UNITS_PER_CASE;
      const to = Math.min(lot.firstUnit + lot.size, from + UNITS_PER_CASE);
      const sscc = nextSscc();
      caseUnits.set(sscc, [from, to]);
      const commissionedAt = madeMs + HOUR + c * 20_000;
      // Serialization lines report commissioning per case's worth of packs.
      plan(m, commissionedAt, (id, at) => ({
        type: 'ObjectEvent',
        eventID: id,
        ...common(m, at),
        action: 'ADD',
        bizStep: 'commissioning',
        disposition: 'active',
        epcList: range(from, to).map((u) => unitId(m, u)),
        ilmd,
      }));
      plan(m, commissionedAt + 10_000, (id, at) => ({
        type: 'AggregationEvent',
        eventID: id,
        ...common(m, at),
        parentID: ssccId(m, sscc),
        childEPCs: range(from, to).map((u) => unitId(m, u)),
        action: 'ADD',
        bizStep: 'packing',
        disposition: 'in_progress',
      }));
      if (c % CASES_PER_PALLET === 0) pallets.push({ sscc: '', cases: [], packedAt: 0 });
      const pallet = pallets[pallets.length - 1] as { sscc: string; cases: string[]; packedAt: number };
      pallet.cases.push(sscc);
      pallet.packedAt = commissionedAt + 15_000;
    }
    for (const pallet of pallets) {
      pallet.sscc = nextSscc();
      const sscc = pallet.sscc;
      const cases = pallet.cases;
      plan(m, pallet.packedAt, (id, at) => ({
        type: 'AggregationEvent',
        eventID: id,
        ...common(m, at),
        parentID: ssccId(m, sscc),
        childEPCs: cases.map((c) => ssccId(m, c)),
        action: 'ADD',
        bizStep: 'packing',
        disposition: 'in_progress',
      }));
    }

    // ---- Distribution: pallets to distributors, cases on to another distributor or to pharmacies. ----
    pallets.forEach((pallet, p) => {
      const unitsOf = (cases: string[]) => cases.map((c) => caseUnits.get(c) as [number, number]);
      const mark = (cases: string[], value: number) => {
        for (const [from, to] of unitsOf(cases)) fate.fill(value, from, to);
      };
      const roll = random();
      if (roll < 0.03) return mark(pallet.cases, FATE.AT_MANUFACTURER);
      const distributor = pick(distributors);
      const shippedAt = madeMs + 14 * DAY + p * 10 * MINUTE;
      if (roll < 0.05) {
        ship({ seller: m, buyer: distributor, ssccs: [pallet.sscc], shippedAt, receivedAt: null, unitPrice: price(product, 1), pallets: new Map([[pallet.sscc, pallet.cases]]) });
        return mark(pallet.cases, FATE.IN_TRANSIT_TO_DISTRIBUTOR);
      }
      const receivedAt = shippedAt + DAY + (p % 5) * HOUR;
      ship({ seller: m, buyer: distributor, ssccs: [pallet.sscc], shippedAt, receivedAt, unitPrice: price(product, 1), pallets: new Map([[pallet.sscc, pallet.cases]]) });
      const unpackedAt = receivedAt + DAY;
      unpack(distributor, pallet.sscc, unpackedAt);
      pallet.cases.forEach((sscc, c) => {
        let holder = distributor;
        let since = unpackedAt + c * MINUTE;
        const caseRoll = random();
        if (caseRoll < 0.08) return mark([sscc], FATE.AT_DISTRIBUTOR);
        if (caseRoll < 0.23) {
          // A second distributor hop (wholesaler to wholesaler).
          const other = pick(distributors.filter((d) => d !== holder));
          const at = since + 2 * DAY;
          ship({ seller: holder, buyer: other, ssccs: [sscc], shippedAt: at, receivedAt: at + DAY, unitPrice: price(product, 1.07), pallets: new Map() });
          holder = other;
          since = at + DAY;
          if (random() < 0.1) return mark([sscc], FATE.AT_DISTRIBUTOR);
        }
        const pharmacy = pick(dispensers);
        const shipAt = since + (3 + Math.floor(random() * 12)) * DAY;
        if (random() < 0.03) {
          ship({ seller: holder, buyer: pharmacy, ssccs: [sscc], shippedAt: shipAt, receivedAt: null, unitPrice: price(product, 1.14), pallets: new Map() });
          return mark([sscc], FATE.IN_TRANSIT_TO_DISPENSER);
        }
        const receivedByPharmacy = shipAt + 6 * HOUR;
        ship({ seller: holder, buyer: pharmacy, ssccs: [sscc], shippedAt: shipAt, receivedAt: receivedByPharmacy, unitPrice: price(product, 1.12 + 0.02 * (pharmacy.gln.charCodeAt(8) % 4)), pallets: new Map() });
        unpack(pharmacy, sscc, receivedByPharmacy + HOUR);
        const [from, to] = caseUnits.get(sscc) as [number, number];
        for (let u = from; u < to; u += 1) {
          const r = random();
          const k = u - from;
          if (r < 0.7) {
            patient += 1;
            const rx = `urn:tracefed:rx:${pharmacy.gln}:${String(patient).padStart(8, '0')}`;
            const ref = `pt-${Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0')}${(patient * 2654435761 >>> 0).toString(16).padStart(8, '0')}`;
            plan(pharmacy, receivedByPharmacy + (k + 1) * DAY + 4 * HOUR, (id, at) => ({
              type: 'ObjectEvent',
              eventID: id,
              ...common(pharmacy, at),
              action: 'DELETE',
              bizStep: 'dispensing',
              disposition: 'dispensed',
              epcList: [unitId(pharmacy, u)],
              // CBV has no prescription transaction type; a URI of our own is what EPCIS asks for then.
              bizTransactionList: [{ type: PRESCRIPTION_TYPE, bizTransaction: rx }],
              'tf:patientRef': ref,
            }));
            fate[u] = FATE.DISPENSED;
          } else if (r < 0.71) {
            plan(pharmacy, receivedByPharmacy + (k + 2) * DAY, (id, at) => ({
              type: 'ObjectEvent',
              eventID: id,
              ...common(pharmacy, at),
              action: 'DELETE',
              bizStep: 'destroying',
              disposition: 'destroyed',
              epcList: [unitId(pharmacy, u)],
            }));
            fate[u] = FATE.DECOMMISSIONED;
          } else {
            fate[u] = FATE.AT_DISPENSER;
          }
        }
      });
    });
  }

  const known = (writer: Party, parties: Party[], extra: unknown[] = []): Record<string, unknown> => ({
    epcisMasterData: {
      vocabularyList: [
        {
          type: 'urn:epcglobal:epcis:vtype:Party',
          vocabularyElementList: parties.map((p) => ({
            id: partyId(writer, p),
            attributes: [
              { id: 'cbvmda:name', attribute: p.name },
              { id: 'cbvmda:countryCode', attribute: p.country },
              { id: 'tf:partyRole', attribute: p.role },
            ],
          })),
        },
        {
          type: 'urn:epcglobal:epcis:vtype:BusinessLocation',
          vocabularyElementList: parties.map((p) => ({
            id: siteId(writer, p),
            attributes: [
              { id: 'cbvmda:name', attribute: p.siteName },
              { id: 'cbvmda:countryCode', attribute: p.country },
              { id: 'tf:siteKind', attribute: p.siteKind },
              { id: 'tf:operatedBy', attribute: partyId(writer, p) },
            ],
          })),
        },
        ...extra,
      ],
    },
  });
  const catalogue = {
    type: 'urn:epcglobal:epcis:vtype:EPCClass',
    vocabularyElementList: [
      ...products.map((p) => ({
        id: formatIdpatSgtinUrn(p.gtin, CPL),
        attributes: [
          { id: 'cbvmda:regulatedProductName', attribute: p.name },
          { id: 'cbvmda:additionalTradeItemIdentification', attribute: p.nationalCode },
          { id: 'cbvmda:dosageFormType', attribute: p.dosageForm },
          { id: 'cbvmda:strengthDescription', attribute: p.strength },
          { id: 'tf:companyPrefixLength', attribute: CPL },
        ],
      })),
      ...lots.flatMap((l) =>
        l.components.map((c) => ({
          id: formatLgtinUrn(c.gtin, c.lot, CPL),
          attributes: [
            { id: 'cbvmda:name', attribute: c.material },
            { id: 'cbvmda:lotNumber', attribute: c.lot },
            { id: 'tf:materialKind', attribute: c.kind },
            { id: 'tf:supplier', attribute: formatPglnUrn(c.supplier.gln, CPL) },
            { id: 'tf:productionSite', attribute: formatSglnUrn(c.supplier.siteGln, '0', CPL) },
            { id: 'tf:productionDate', attribute: c.productionDate },
          ],
        })),
      ),
    ],
  };
  const masterDocument = (owner: Party, header: Record<string, unknown>): MasterDataDocument => ({
    owner: owner.gln,
    document: { '@context': TF_CONTEXT, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-11-28T00:00:00Z', epcisHeader: header, epcisBody: { eventList: [] } },
  });
  const firstDistributor = distributors[0] as Party;
  const firstDispenser = dispensers[0] as Party;
  const nodes: Record<NodeName, NodePlan> = {
    manufacturer: { node: 'manufacturer', masterData: masterDocument(m, known(m, [m, ...suppliers, ...distributors], [catalogue])), events: sortPlan(plans.manufacturer) },
    distributor: { node: 'distributor', masterData: masterDocument(firstDistributor, known(firstDistributor, [m, ...distributors, ...dispensers])), events: sortPlan(plans.distributor) },
    dispenser: { node: 'dispenser', masterData: masterDocument(firstDispenser, known(firstDispenser, [...distributors, ...dispensers])), events: sortPlan(plans.dispenser) },
  };
  return { options, manufacturer: m, distributors, dispensers, products, lots, unitLot, serials, nodes, fate };
}

function sortPlan(events: PlannedEvent[]): PlannedEvent[] {
  return events.sort((a, b) => a.time - b.time || a.order - b.order);
}

function range(from: number, to: number): number[] {
  const out = new Array<number>(to - from);
  for (let i = from; i < to; i += 1) out[i - from] = i;
  return out;
}

/** Wraps events as one EPCIS 2.0 document, with the tracefed namespace declared as the demo does. */
export function epcisDocument(events: unknown[], header?: Record<string, unknown>): Record<string, unknown> {
  return {
    '@context': TF_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2026-11-28T00:00:00Z',
    ...(header ? { epcisHeader: header } : {}),
    epcisBody: { eventList: events },
  };
}

/** The unit at an index as the gateway is asked about it. */
export function unitAt(network: SyntheticNetwork, u: number): { gtin: string; serial: string; lot: string; expiry: string } {
  const lot = network.lots[network.unitLot[u] as number] as FinishedLot;
  return { gtin: lot.product.gtin, serial: network.serials[u] as string, lot: lot.lot, expiry: lot.expiry };
}

/** Units chosen at random (deterministically) for the trace measurements. */
export function sampleUnits(network: SyntheticNetwork, count: number, seed = 7): number[] {
  const random = prng(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) out.push(Math.floor(random() * network.options.units));
  return out;
}
