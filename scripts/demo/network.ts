/**
 * The demo network: a manufacturer, its ingredient suppliers, two distributors and three dispensers,
 * with everything they would send as GS1 EPCIS 2.0 documents. Deterministic: the same serials, event
 * IDs and times on every machine, so the README's example stays true.
 *
 * Each partner writes identifiers the way its own systems do: the manufacturer in EPC URNs, the
 * distributors and dispensers as GS1 Digital Link URIs (on different hosts). They still meet on one key.
 */
import { createHash } from 'node:crypto';
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
import { recallEvent } from '@tracefed/kit/investigations/recall';

export type NodeName = 'manufacturer' | 'distributor' | 'dispenser' | 'logistics';

export interface DemoParty {
  key: string;
  gln: string;
  prefix: string;
  name: string;
  role: 'manufacturer' | 'supplier' | 'distributor' | 'dispenser' | 'logistics';
  country: string;
  node: NodeName | null;
  site: { gln: string; name: string; kind: string; country: string };
  /** Where this partner's Digital Links point (its resolver host). */
  host: string;
}

export interface DemoDocument {
  node: NodeName;
  owner: string;
  name: string;
  document: Record<string, unknown>;
}

const withCheck = (digits: string) => digits + computeCheckDigit(digits);
const gln = (prefix: string, ref: string) => withCheck((prefix + ref).padEnd(12, '0').slice(0, 12));

function party(
  key: string,
  prefix: string,
  name: string,
  role: DemoParty['role'],
  country: string,
  node: NodeName | null,
  site: { name: string; kind: string },
  host = 'https://id.gs1.org',
): DemoParty {
  const partyGln = gln(prefix, '00000');
  const siteGln = gln(prefix, '00001');
  return { key, gln: partyGln, prefix, name, role, country, node, site: { gln: siteGln, ...site, country }, host };
}

export const PARTIES = {
  meridian: party('meridian', '4061234', 'Meridian Pharmaceuticals GmbH', 'manufacturer', 'DE', 'manufacturer', {
    name: 'Meridian packaging plant, Leipzig',
    kind: 'packaging',
  }),
  huayang: party('huayang', '6901234', 'Zhejiang Huayang Fine Chemicals Co.', 'supplier', 'CN', null, {
    name: 'Huayang API synthesis site, Taizhou',
    kind: 'synthesis',
  }),
  deccan: party('deccan', '8901234', 'Deccan Life Sciences Ltd', 'supplier', 'IN', null, {
    name: 'Deccan API synthesis site, Hyderabad',
    kind: 'synthesis',
  }),
  lombardia: party('lombardia', '8012345', 'Lombardia Excipients SpA', 'supplier', 'IT', null, {
    name: 'Lombardia excipient plant, Bergamo',
    kind: 'production',
  }),
  northline: party('northline', '4012345', 'Northline Pharma Wholesale AG', 'distributor', 'DE', 'distributor', {
    name: 'Northline distribution centre, Hamburg',
    kind: 'warehouse',
  }, 'https://dl.northline.example'),
  harbor: party('harbor', '4023456', 'Harbor Medical Supply GmbH', 'distributor', 'DE', 'distributor', {
    name: 'Harbor Medical Supply warehouse, Bremen',
    kind: 'warehouse',
  }, 'https://dl.harbor.example'),
  linden: party('linden', '4034567', 'Linden-Apotheke', 'dispenser', 'DE', 'dispenser', {
    name: 'Linden-Apotheke, Berlin',
    kind: 'pharmacy',
  }, 'https://scan.linden.example'),
  stanna: party('stanna', '4045678', 'St. Anna Hospital Pharmacy', 'dispenser', 'DE', 'dispenser', {
    name: 'St. Anna Hospital pharmacy, Munich',
    kind: 'hospital',
  }, 'https://scan.stanna.example'),
  rosen: party('rosen', '4056789', 'Rosen-Apotheke', 'dispenser', 'DE', 'dispenser', {
    name: 'Rosen-Apotheke, Cologne',
    kind: 'pharmacy',
  }, 'https://scan.rosen.example'),
  // Not on the network, and not licensed: the buyer in the diversion case.
  elbe: party('elbe', '4067890', 'Elbe Pharmahandel KG', 'distributor', 'DE', null, {
    name: 'Elbe Pharmahandel warehouse, Hamburg-Harburg',
    kind: 'warehouse',
  }, 'https://dl.elbe-pharmahandel.example'),
  // Carriers (third-party logistics, temperature-controlled vans): Frostline carries for Northline,
  // Kaltweg for Harbor, from the distributors to the pharmacies. They capture into the logistics node.
  frostline: party('frostline', '4078901', 'Frostline Pharma Logistik GmbH', 'logistics', 'DE', 'logistics', {
    name: 'Frostline cross-dock hub, Hamburg-Billbrook',
    kind: 'hub',
  }, 'https://id.frostline.example'),
  kaltweg: party('kaltweg', '4089012', 'Kaltweg Medizinlogistik GmbH', 'logistics', 'DE', 'logistics', {
    name: 'Kaltweg hub, Bremen-Hemelingen',
    kind: 'hub',
  }, 'https://id.kaltweg.example'),
} satisfies Record<string, DemoParty>;

type PartyKey = keyof typeof PARTIES;
const CPL = 7;

/** A small deterministic PRNG (mulberry32) so the demo's serials are the same everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

interface Product {
  gtin: string;
  name: string;
  nationalCode: string;
  dosageForm: string;
  strength: string;
  price: number;
  /** Storage conditions on the label: °C and % relative humidity. */
  storage: { minTemperature: number; maxTemperature: number; maxRelativeHumidity: number };
}

interface Component {
  gtin: string;
  lot: string;
  material: string;
  kind: string;
  supplier: PartyKey;
  productionDate: string;
  quantity: number;
  uom: string;
}

const gtin = (prefix: string, item: string) => withCheck(`0${prefix}${item}`.slice(0, 13));

export const PRODUCTS = {
  amlodipine: {
    gtin: gtin('4061234', '10001'),
    name: 'Amlodipine 5 mg tablets, 30 pcs',
    nationalCode: 'PZN 18234567',
    dosageForm: 'TABLET',
    strength: '5 mg',
    price: 4.2,
    storage: { minTemperature: 15, maxTemperature: 25, maxRelativeHumidity: 60 },
  },
  metformin: {
    gtin: gtin('4061234', '10002'),
    name: 'Metformin 500 mg film-coated tablets, 60 pcs',
    nationalCode: 'PZN 18234573',
    dosageForm: 'FILM_COATED_TABLET',
    strength: '500 mg',
    price: 3.1,
    storage: { minTemperature: 15, maxTemperature: 25, maxRelativeHumidity: 65 },
  },
} satisfies Record<string, Product>;

const COMPONENTS: Record<string, Component> = {
  amlodipineApi: {
    gtin: gtin('6901234', '20001'),
    lot: 'HY-AMB-2511',
    material: 'Amlodipine besylate (API)',
    kind: 'active_ingredient',
    supplier: 'huayang',
    productionDate: '2025-11-18',
    quantity: 2.6,
    uom: 'KGM',
  },
  metforminApi: {
    gtin: gtin('8901234', '30001'),
    lot: 'DLS-MET-2512',
    material: 'Metformin hydrochloride (API)',
    kind: 'active_ingredient',
    supplier: 'deccan',
    productionDate: '2025-12-03',
    quantity: 14,
    uom: 'KGM',
  },
  cellulose: {
    gtin: gtin('8012345', '40001'),
    lot: 'LE-MCC-2510',
    material: 'Microcrystalline cellulose (excipient)',
    kind: 'excipient',
    supplier: 'lombardia',
    productionDate: '2025-10-22',
    quantity: 8,
    uom: 'KGM',
  },
};

interface LotPlan {
  product: keyof typeof PRODUCTS;
  lot: string;
  made: string;
  expiry: string;
  components: string[];
}

export const LOTS: LotPlan[] = [
  { product: 'amlodipine', lot: 'AML2601', made: '2026-02-02', expiry: '2028-01-31', components: ['amlodipineApi', 'cellulose'] },
  { product: 'amlodipine', lot: 'AML2602', made: '2026-02-05', expiry: '2028-02-29', components: ['amlodipineApi', 'cellulose'] },
  { product: 'metformin', lot: 'MET2601', made: '2026-02-09', expiry: '2028-01-31', components: ['metforminApi', 'cellulose'] },
];

/** A second API lot, only for the recall case's lot (so the contaminated-ingredient case stays apart). */
const CASE_COMPONENTS: Record<string, Component> = {
  amlodipineApi2604: {
    gtin: gtin('6901234', '20001'),
    lot: 'HY-AMB-2604',
    material: 'Amlodipine besylate (API)',
    kind: 'active_ingredient',
    supplier: 'huayang',
    productionDate: '2026-04-08',
    quantity: 0.8,
    uom: 'KGM',
  },
};

/** Lots made only for the deliberate cases (see `cases` in the network). */
export const CASE_LOTS = {
  /** Recalled on 2026-11-20 while its units are at every role of the network. */
  recall: { product: 'amlodipine', lot: 'AML2603', made: '2026-06-01', expiry: '2028-05-31', components: ['amlodipineApi2604', 'cellulose'] },
  /** Released with a short shelf life; part of it was sold and dispensed after it expired. */
  shortDated: { product: 'metformin', lot: 'MET2602', made: '2026-01-20', expiry: '2026-06-30', components: ['metforminApi', 'cellulose'] },
} satisfies Record<string, LotPlan>;

const UNITS_PER_CASE = 20;
const CASES_PER_PALLET = 5;
const PALLETS_PER_LOT = 4;

export interface DemoUnit {
  gtin: string;
  serial: string;
  lot: string;
  expiry: string;
}

interface Container {
  sscc: string;
  children: string[]; // child SSCCs (pallet) or unit keys "gtin|serial" (case)
  units: DemoUnit[];
  lot: LotPlan;
}

/** Builds the whole demo network. */
export function buildDemoNetwork() {
  const random = prng(20260301);
  let ssccCounter = 0;
  const nextSscc = (owner: DemoParty) =>
    withCheck(`3${owner.prefix}${String(++ssccCounter).padStart(16 - owner.prefix.length, '0')}`);
  const documents: DemoDocument[] = [];
  const eventCounters = new Map<string, number>();
  const eventId = (owner: DemoParty, label: string) => {
    const n = (eventCounters.get(owner.key) ?? 0) + 1;
    eventCounters.set(owner.key, n);
    const hex = createHash('sha256').update(`${owner.gln}:${label}:${n}`).digest('hex');
    return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };

  // How each partner writes identifiers.
  const unitId = (p: DemoParty, u: DemoUnit) =>
    p.key === 'meridian' ? formatSgtinUrn(u.gtin, u.serial, CPL) : toDigitalLink({ kind: 'sgtin', gtin: u.gtin, serial: u.serial }, p.host);
  const ssccId = (p: DemoParty, sscc: string) =>
    p.key === 'meridian' ? formatSsccUrn(sscc, CPL) : toDigitalLink({ kind: 'sscc', sscc }, p.host);
  const siteId = (p: DemoParty, of: DemoParty = p) =>
    p.key === 'meridian' ? formatSglnUrn(of.site.gln, '0', CPL) : toDigitalLink({ kind: 'sgln', gln: of.site.gln }, p.host);
  const partyId = (p: DemoParty, of: DemoParty) =>
    p.key === 'meridian' ? formatPglnUrn(of.gln, CPL) : toDigitalLink({ kind: 'pgln', gln: of.gln }, p.host);

  const time = (iso: string) => `${iso}+01:00`;

  const masterData = (writer: DemoParty, known: DemoParty[], extra: unknown[] = []) => ({
    epcisMasterData: {
      vocabularyList: [
        {
          type: 'urn:epcglobal:epcis:vtype:Party',
          vocabularyElementList: known.map((p) => ({
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
          vocabularyElementList: known.map((p) => ({
            id: siteId(writer, p),
            attributes: [
              { id: 'cbvmda:name', attribute: p.site.name },
              { id: 'cbvmda:countryCode', attribute: p.site.country },
              { id: 'tf:siteKind', attribute: p.site.kind },
              { id: 'tf:operatedBy', attribute: partyId(writer, p) },
            ],
          })),
        },
        ...extra,
      ],
    },
  });

  const emit = (writer: DemoParty, name: string, events: unknown[], header?: unknown) => {
    if (!writer.node) throw new Error(`${writer.name} runs no node`);
    documents.push({
      node: writer.node,
      owner: writer.gln,
      name,
      document: {
        '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { tf: 'https://ns.tracefed.org/epcis/' }],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: '2026-11-28T00:00:00Z',
        ...(header ? { epcisHeader: header } : {}),
        epcisBody: { eventList: events },
      },
    });
  };

  const P = PARTIES;
  const m = P.meridian;

  // ---- Manufacturer: master data, component receipts, lots, commissioning, packing ----------------
  const productVocabulary = {
    type: 'urn:epcglobal:epcis:vtype:EPCClass',
    vocabularyElementList: [
      ...Object.values(PRODUCTS).map((p) => ({
        id: formatIdpatSgtinUrn(p.gtin, CPL),
        attributes: [
          { id: 'cbvmda:regulatedProductName', attribute: p.name },
          { id: 'cbvmda:additionalTradeItemIdentification', attribute: p.nationalCode },
          { id: 'cbvmda:dosageFormType', attribute: p.dosageForm },
          { id: 'cbvmda:strengthDescription', attribute: p.strength },
          { id: 'tf:companyPrefixLength', attribute: CPL },
          { id: 'tf:storageMinimumTemperature', attribute: p.storage.minTemperature },
          { id: 'tf:storageMaximumTemperature', attribute: p.storage.maxTemperature },
          { id: 'tf:storageMaximumHumidityPercentage', attribute: p.storage.maxRelativeHumidity },
        ],
      })),
      ...Object.values(COMPONENTS).map((c) => ({
        id: formatLgtinUrn(c.gtin, c.lot, CPL),
        attributes: [
          { id: 'cbvmda:name', attribute: c.material },
          { id: 'cbvmda:lotNumber', attribute: c.lot },
          { id: 'tf:materialKind', attribute: c.kind },
          { id: 'tf:supplier', attribute: formatPglnUrn(P[c.supplier].gln, CPL) },
          { id: 'tf:productionSite', attribute: formatSglnUrn(P[c.supplier].site.gln, '0', CPL) },
          { id: 'tf:productionDate', attribute: c.productionDate },
        ],
      })),
    ],
  };
  emit(
    m,
    'manufacturer master data and component receipts',
    Object.values(COMPONENTS).map((c) => ({
      type: 'ObjectEvent',
      eventID: eventId(m, 'component-receipt'),
      eventTime: time('2026-01-12T09:00:00.000'),
      eventTimeZoneOffset: '+01:00',
      action: 'OBSERVE',
      bizStep: 'receiving',
      disposition: 'in_progress',
      quantityList: [{ epcClass: formatLgtinUrn(c.gtin, c.lot, CPL), quantity: c.quantity * 3, uom: c.uom }],
      readPoint: { id: siteId(m) },
      bizLocation: { id: siteId(m) },
      sourceList: [{ type: 'owning_party', source: partyId(m, P[c.supplier]) }],
      destinationList: [{ type: 'owning_party', destination: partyId(m, m) }],
    })),
    masterData(m, [m, P.huayang, P.deccan, P.lombardia, P.northline, P.harbor], [productVocabulary]),
  );

  const pallets: Container[] = [];
  const allUnits: DemoUnit[] = [];
  // Cases by SSCC, so receivers can record what they found inside.
  const caseUnits = new Map<string, DemoUnit[]>();
  const components: Record<string, Component> = { ...COMPONENTS, ...CASE_COMPONENTS };

  /**
   * Makes a lot: its TransformationEvent, the commissioning of its units, and their packing into cases
   * on pallets (plus cases left off pallets). One document per lot.
   */
  const manufactureLot = (plan: LotPlan, layout: { pallets: number; casesPerPallet: number; looseCases: number }) => {
    const product = PRODUCTS[plan.product];
    const units: DemoUnit[] = [];
    for (let i = 0; i < UNITS_PER_CASE * (layout.casesPerPallet * layout.pallets + layout.looseCases); i += 1) {
      let serial = '';
      for (let c = 0; c < 10; c += 1) serial += SERIAL_ALPHABET[Math.floor(random() * SERIAL_ALPHABET.length)];
      units.push({ gtin: product.gtin, serial, lot: plan.lot, expiry: plan.expiry });
    }
    allUnits.push(...units);
    const ilmd = { 'cbvmda:lotNumber': plan.lot, 'cbvmda:itemExpirationDate': plan.expiry, 'tf:productionDate': plan.made };
    const events: unknown[] = [
      {
        type: 'TransformationEvent',
        eventID: eventId(m, 'transformation'),
        eventTime: time(`${plan.made}T06:00:00.000`),
        eventTimeZoneOffset: '+01:00',
        transformationID: `urn:epcglobal:cbv:xform:${m.prefix}.${plan.lot}`,
        bizStep: 'creating_class_instance',
        disposition: 'active',
        inputQuantityList: plan.components.map((k) => {
          const c = components[k] as Component;
          return { epcClass: formatLgtinUrn(c.gtin, c.lot, CPL), quantity: c.quantity, uom: c.uom };
        }),
        outputQuantityList: [{ epcClass: formatLgtinUrn(product.gtin, plan.lot, CPL), quantity: units.length }],
        readPoint: { id: siteId(m) },
        bizLocation: { id: siteId(m) },
        ilmd,
      },
      {
        type: 'ObjectEvent',
        eventID: eventId(m, 'commissioning'),
        eventTime: time(`${plan.made}T08:00:00.000`),
        eventTimeZoneOffset: '+01:00',
        action: 'ADD',
        bizStep: 'commissioning',
        disposition: 'active',
        epcList: units.map((u) => unitId(m, u)),
        readPoint: { id: siteId(m) },
        bizLocation: { id: siteId(m) },
        ilmd,
      },
    ];
    const packCase = (index: number) => {
      const start = index * UNITS_PER_CASE;
      const inside = units.slice(start, start + UNITS_PER_CASE);
      const sscc = nextSscc(m);
      caseUnits.set(sscc, inside);
      events.push({
        type: 'AggregationEvent',
        eventID: eventId(m, 'packing-case'),
        eventTime: time(`${plan.made}T10:${String(index).padStart(2, '0')}:00.000`),
        eventTimeZoneOffset: '+01:00',
        parentID: ssccId(m, sscc),
        childEPCs: inside.map((u) => unitId(m, u)),
        action: 'ADD',
        bizStep: 'packing',
        disposition: 'in_progress',
        readPoint: { id: siteId(m) },
        bizLocation: { id: siteId(m) },
      });
      return { sscc, inside };
    };
    const lotPallets: Container[] = [];
    for (let p = 0; p < layout.pallets; p += 1) {
      const pallet: Container = { sscc: nextSscc(m), children: [], units: [], lot: plan };
      for (let c = 0; c < layout.casesPerPallet; c += 1) {
        const packed = packCase(p * layout.casesPerPallet + c);
        pallet.children.push(packed.sscc);
        pallet.units.push(...packed.inside);
      }
      events.push({
        type: 'AggregationEvent',
        eventID: eventId(m, 'packing-pallet'),
        eventTime: time(`${plan.made}T12:0${p}:00.000`),
        eventTimeZoneOffset: '+01:00',
        parentID: ssccId(m, pallet.sscc),
        childEPCs: pallet.children.map((s) => ssccId(m, s)),
        action: 'ADD',
        bizStep: 'packing',
        disposition: 'in_progress',
        readPoint: { id: siteId(m) },
        bizLocation: { id: siteId(m) },
      });
      pallets.push(pallet);
      lotPallets.push(pallet);
    }
    const looseCases: string[] = [];
    for (let c = 0; c < layout.looseCases; c += 1) looseCases.push(packCase(layout.pallets * layout.casesPerPallet + c).sscc);
    emit(m, `lot ${plan.lot}: manufacture, commissioning, packing`, events);
    return { units, pallets: lotPallets, looseCases };
  };
  for (const plan of LOTS) manufactureLot(plan, { pallets: PALLETS_PER_LOT, casesPerPallet: CASES_PER_PALLET, looseCases: 0 });

  let invoiceNo = 0;
  /** A shipment: shipping event by the seller; when `receivedAt` is given, receipt (and what was inside) by the buyer. */
  const ship = (
    seller: DemoParty,
    buyer: DemoParty,
    ssccs: string[],
    shippedAt: string,
    receivedAt: string | null,
    unitPrice: number,
  ) => {
    invoiceNo += 1;
    const inv = `urn:epcglobal:cbv:bt:${seller.gln}:INV-${String(invoiceNo).padStart(5, '0')}`;
    const po = `urn:epcglobal:cbv:bt:${buyer.gln}:PO-${String(invoiceNo).padStart(5, '0')}`;
    emit(seller, `shipment ${invoiceNo} to ${buyer.name}`, [
      {
        type: 'ObjectEvent',
        eventID: eventId(seller, 'shipping'),
        eventTime: time(shippedAt),
        eventTimeZoneOffset: '+01:00',
        action: 'OBSERVE',
        bizStep: 'shipping',
        disposition: 'in_transit',
        epcList: ssccs.map((s) => ssccId(seller, s)),
        readPoint: { id: siteId(seller) },
        bizLocation: { id: siteId(seller) },
        bizTransactionList: [
          { type: 'inv', bizTransaction: inv },
          { type: 'po', bizTransaction: po },
        ],
        sourceList: [
          { type: 'owning_party', source: partyId(seller, seller) },
          { type: 'location', source: siteId(seller) },
        ],
        destinationList: [
          { type: 'owning_party', destination: partyId(seller, buyer) },
          { type: 'location', destination: siteId(seller, buyer) },
        ],
        'tf:unitPrice': unitPrice,
        'tf:currency': 'EUR',
      },
    ], masterData(seller, [seller, buyer]));
    if (!receivedAt) return;
    const events: unknown[] = [
      {
        type: 'ObjectEvent',
        eventID: eventId(buyer, 'receiving'),
        eventTime: time(receivedAt),
        eventTimeZoneOffset: '+01:00',
        action: 'OBSERVE',
        bizStep: 'receiving',
        disposition: 'in_progress',
        epcList: ssccs.map((s) => ssccId(buyer, s)),
        readPoint: { id: siteId(buyer) },
        bizLocation: { id: siteId(buyer) },
        bizTransactionList: [
          { type: 'inv', bizTransaction: inv },
          { type: 'po', bizTransaction: po },
        ],
        sourceList: [{ type: 'owning_party', source: partyId(buyer, seller) }],
        destinationList: [{ type: 'owning_party', destination: partyId(buyer, buyer) }],
      },
    ];
    // Receiving inspection: what the buyer found inside each container (from the despatch advice).
    for (const sscc of ssccs) {
      const pallet = pallets.find((p) => p.sscc === sscc);
      const cases = pallet ? pallet.children : [sscc];
      if (pallet) {
        events.push(aggregationObserve(buyer, sscc, cases.map((c) => ssccId(buyer, c)), receivedAt));
      }
      for (const c of cases) {
        events.push(aggregationObserve(buyer, c, (caseUnits.get(c) ?? []).map((u) => unitId(buyer, u)), receivedAt));
      }
    }
    emit(buyer, `receipt of shipment ${invoiceNo} from ${seller.name}`, events, masterData(buyer, [buyer, seller]));
  };

  const aggregationObserve = (p: DemoParty, parent: string, children: string[], at: string) => ({
    type: 'AggregationEvent',
    eventID: eventId(p, 'receiving-inspection'),
    eventTime: time(at),
    eventTimeZoneOffset: '+01:00',
    parentID: ssccId(p, parent),
    childEPCs: children,
    action: 'OBSERVE',
    bizStep: 'receiving',
    disposition: 'in_progress',
    readPoint: { id: siteId(p) },
    bizLocation: { id: siteId(p) },
  });

  const unpack = (p: DemoParty, sscc: string, at: string) =>
    emit(p, `unpacking ${sscc}`, [
      {
        type: 'AggregationEvent',
        eventID: eventId(p, 'unpacking'),
        eventTime: time(at),
        eventTimeZoneOffset: '+01:00',
        parentID: ssccId(p, sscc),
        action: 'DELETE',
        bizStep: 'unpacking',
        disposition: 'in_progress',
        readPoint: { id: siteId(p) },
        bizLocation: { id: siteId(p) },
      },
    ]);

  const [aml1, aml2, met] = [0, 1, 2].map((i) => pallets.slice(i * PALLETS_PER_LOT, (i + 1) * PALLETS_PER_LOT)) as [
    Container[],
    Container[],
    Container[],
  ];
  const price = (p: keyof typeof PRODUCTS, markup: number) => Math.round(PRODUCTS[p].price * markup * 100) / 100;

  // ---- Manufacturer → distributors -----------------------------------------------------------------
  ship(m, P.northline, aml1.map((p) => p.sscc), '2026-03-02T07:00:00.000', '2026-03-04T10:00:00.000', price('amlodipine', 1));
  ship(m, P.northline, aml2.slice(0, 2).map((p) => p.sscc), '2026-03-10T07:00:00.000', '2026-03-12T10:00:00.000', price('amlodipine', 1));
  ship(m, P.harbor, aml2.slice(2).map((p) => p.sscc), '2026-03-10T07:30:00.000', '2026-03-11T09:00:00.000', price('amlodipine', 1));
  ship(m, P.harbor, met.slice(0, 3).map((p) => p.sscc), '2026-03-16T07:00:00.000', '2026-03-17T11:00:00.000', price('metformin', 1));
  // Still on the road: shipped, not yet received.
  ship(m, P.northline, [met[3]!.sscc], '2026-11-26T15:00:00.000', null, price('metformin', 1));

  // ---- Distributors break pallets into cases ---------------------------------------------------------
  for (const pallet of [...aml1, ...aml2.slice(0, 2)]) unpack(P.northline, pallet.sscc, '2026-03-13T08:00:00.000');
  for (const pallet of [...aml2.slice(2), ...met.slice(0, 3)]) unpack(P.harbor, pallet.sscc, '2026-03-18T08:00:00.000');

  // ---- Distributor → distributor, then on to a pharmacy (two distributor hops) ---------------------
  const d2d = aml1[0]!.children.slice(0, 3);
  ship(P.northline, P.harbor, d2d, '2026-03-20T07:00:00.000', '2026-03-21T09:00:00.000', price('amlodipine', 1.07));

  // ---- Repacking: Northline opens two cases and packs a mixed case (its own SSCC) for a hospital -----
  const opened = [aml1[1]!.children[2]!, aml2[0]!.children[1]!];
  const repacked = nextSscc(P.northline);
  const mixed = opened.flatMap((c) => (caseUnits.get(c) ?? []).slice(0, 10));
  caseUnits.set(repacked, mixed);
  for (const c of opened) unpack(P.northline, c, '2026-03-25T08:00:00.000');
  emit(P.northline, `repacking into ${repacked}`, [
    {
      type: 'AggregationEvent',
      eventID: eventId(P.northline, 'repacking'),
      eventTime: time('2026-03-25T09:00:00.000'),
      eventTimeZoneOffset: '+01:00',
      parentID: ssccId(P.northline, repacked),
      childEPCs: mixed.map((u) => unitId(P.northline, u)),
      action: 'ADD',
      bizStep: 'packing',
      disposition: 'in_progress',
      readPoint: { id: siteId(P.northline) },
      bizLocation: { id: siteId(P.northline) },
    },
  ]);

  // ---- Distributors → dispensers --------------------------------------------------------------------
  const deliveries: Array<[DemoParty, DemoParty, string[], string, string | null, number]> = [
    [P.harbor, P.rosen, [d2d[0]!], '2026-04-02T07:00:00.000', '2026-04-02T15:00:00.000', price('amlodipine', 1.18)],
    [P.northline, P.linden, [aml1[0]!.children[3]!, aml1[1]!.children[0]!], '2026-04-03T07:00:00.000', '2026-04-03T14:00:00.000', price('amlodipine', 1.14)],
    [P.northline, P.stanna, [aml1[1]!.children[1]!, aml2[0]!.children[0]!], '2026-04-06T07:00:00.000', '2026-04-06T13:00:00.000', price('amlodipine', 1.1)],
    [P.northline, P.stanna, [repacked], '2026-04-10T07:00:00.000', '2026-04-10T13:00:00.000', price('amlodipine', 1.1)],
    [P.harbor, P.linden, [met[0]!.children[0]!], '2026-04-07T07:00:00.000', '2026-04-07T12:00:00.000', price('metformin', 1.15)],
    [P.harbor, P.stanna, [met[0]!.children[1]!, aml2[2]!.children[0]!], '2026-04-08T07:00:00.000', '2026-04-08T12:00:00.000', price('metformin', 1.12)],
    [P.harbor, P.rosen, [met[1]!.children[0]!], '2026-04-09T07:00:00.000', '2026-04-09T16:00:00.000', price('metformin', 1.16)],
    // On the road to Rosen-Apotheke right now.
    [P.northline, P.rosen, [aml1[2]!.children[0]!], '2026-11-27T07:00:00.000', null, price('amlodipine', 1.14)],
  ];
  for (const [seller, buyer, ssccs, shipped, received, unitPrice] of deliveries) ship(seller, buyer, ssccs, shipped, received, unitPrice);

  // ---- Dispensers: dispense to patients, and some decommissioning -----------------------------------
  const receivedCases = deliveries.filter((d) => d[4] !== null);
  const dispensed: Array<{ unit: DemoUnit; by: DemoParty }> = [];
  let patient = 0;
  for (const [, buyer, ssccs, , received] of receivedCases) {
    const events: unknown[] = [];
    const units = ssccs.flatMap((s) => caseUnits.get(s) ?? []);
    const day = new Date(`${(received as string).slice(0, 10)}T00:00:00Z`);
    units.slice(0, 12).forEach((unit, i) => {
      patient += 1;
      const at = new Date(day.getTime() + (i + 1) * 86_400_000 + 3_600_000 * 10).toISOString().slice(0, 23);
      const ref = createHash('sha256').update(`${buyer.gln}:patient:${patient % 9}`).digest('hex').slice(0, 16);
      events.push({
        type: 'ObjectEvent',
        eventID: eventId(buyer, 'dispensing'),
        eventTime: time(at),
        eventTimeZoneOffset: '+01:00',
        action: 'DELETE',
        bizStep: 'dispensing',
        disposition: 'dispensed',
        epcList: [unitId(buyer, unit)],
        readPoint: { id: siteId(buyer) },
        bizLocation: { id: siteId(buyer) },
        bizTransactionList: [{ type: 'tf:prescription', bizTransaction: `urn:tracefed:rx:${buyer.gln}:${String(patient).padStart(6, '0')}` }],
        'tf:patientRef': `pt-${ref}`,
      });
      dispensed.push({ unit, by: buyer });
    });
    const decommission = (unit: DemoUnit | undefined, disposition: string, bizStep: string, at: string) => {
      if (!unit) return;
      events.push({
        type: 'ObjectEvent',
        eventID: eventId(buyer, bizStep),
        eventTime: time(at),
        eventTimeZoneOffset: '+01:00',
        action: 'DELETE',
        bizStep,
        disposition,
        epcList: [unitId(buyer, unit)],
        readPoint: { id: siteId(buyer) },
        bizLocation: { id: siteId(buyer) },
      });
    };
    if (buyer.key === 'stanna') decommission(units[15], 'destroyed', 'destroying', '2026-05-04T10:00:00.000');
    if (buyer.key === 'linden') decommission(units[16], 'stolen', 'decommissioning', '2026-05-12T18:00:00.000');
    if (buyer.key === 'rosen') decommission(units[17], 'expired', 'decommissioning', '2026-06-01T09:00:00.000');
    emit(buyer, `${buyer.name}: dispensing and decommissioning after ${received}`, events);
  }

  // The example pack: it passed Meridian → Northline → Harbor → Rosen-Apotheke and was dispensed.
  const heroUnit = caseUnits.get(d2d[0]!)![0]!;

  // ---- Deliberate cases ------------------------------------------------------------------------------
  // Appended after the clean network, so the clean data, and the README's example, stay as they were.
  // Each gives an investigation something to find; `cases` below names them. No unit of lot AML2601
  // (the lot the clean-data custody test walks) is touched.
  const cases = addDeliberateCases();

  // ---- Carriers: the distributor → pharmacy shipments on the road ----------------------------------
  // Appended last: the carriers' documents go to the logistics node only, so every other node's
  // records, the clean data and the cases above stay as they were.
  const coldChain = addCarriage();
  function addCarriage() {
    const carrierOf = (seller: DemoParty) => (seller.key === 'northline' ? P.frostline : P.kaltweg);
    const vehicle = (c: DemoParty) =>
      c.key === 'frostline' ? { extension: 'VAN-07', name: 'Frostline refrigerated van HH-FL 207' } : { extension: 'VAN-311', name: 'Kaltweg refrigerated van HB-KW 311' };
    // A van is a read point under the carrier's own GLN (its hub's, with an AI 254 extension): capture
    // accepts events only at the capturing partner's own locations.
    const vehicleId = (c: DemoParty) => toDigitalLink({ kind: 'sgln', gln: c.site.gln, extension: vehicle(c).extension }, c.host);
    const vehicleMasterData = (c: DemoParty) => ({
      type: 'urn:epcglobal:epcis:vtype:ReadPoint',
      vocabularyElementList: [
        {
          id: vehicleId(c),
          attributes: [
            { id: 'cbvmda:name', attribute: vehicle(c).name },
            { id: 'cbvmda:countryCode', attribute: c.country },
            { id: 'tf:siteKind', attribute: 'vehicle' },
            { id: 'tf:operatedBy', attribute: partyId(c, c) },
          ],
        },
      ],
    });
    const plus = (local: string, minutes: number) => new Date(Date.parse(`${local}Z`) + minutes * 60_000).toISOString().slice(0, 23);
    const round1 = (v: number) => Math.round(v * 10) / 10;
    // The one excursion: Harbor's shipment of a metformin case to Rosen-Apotheke on 2026-04-09. Kaltweg's
    // van stood with its cooling off at a delivery stop: 31.0 °C at worst, above the 25 °C the label allows,
    // from 12:05 until the 12:45 reading was back in range: 40 minutes, four readings.
    const excursionCase = met[1]!.children[0]!;
    const excursionReadings: Record<string, number> = {
      '2026-04-09T12:05:00.000': 27.9,
      '2026-04-09T12:15:00.000': 31.0,
      '2026-04-09T12:25:00.000': 30.2,
      '2026-04-09T12:35:00.000': 26.4,
    };
    const legs: Array<{ carrier: DemoParty; from: DemoParty; to: DemoParty; ssccs: string[]; pickedUpAt: string; deliveredAt: string | null; units: DemoUnit[] }> = [];
    deliveries.forEach(([seller, buyer, ssccs, shipped, received], index) => {
      const carrier = carrierOf(seller);
      // Picked up a quarter of an hour after the distributor's shipping, delivered a quarter of an hour
      // before the pharmacy's receipt.
      const pickedUp = plus(shipped, 15);
      const delivered = received ? plus(received, -15) : null;
      // The logger's last upload for the van still on the road.
      const lastUpload = delivered ?? plus(shipped, 9 * 60);
      const epcList = ssccs.map((s) => ssccId(carrier, s));
      const route = {
        bizTransactionList: [{ type: 'bol', bizTransaction: `urn:epcglobal:cbv:bt:${carrier.gln}:BOL-${String(index + 1).padStart(5, '0')}` }],
        sourceList: [
          { type: 'possessing_party', source: partyId(carrier, seller) },
          { type: 'location', source: siteId(carrier, seller) },
        ],
        destinationList: [
          { type: 'possessing_party', destination: partyId(carrier, buyer) },
          { type: 'location', destination: siteId(carrier, buyer) },
        ],
      };
      emit(
        carrier,
        `${carrier.name}: pickup at ${seller.name} for ${buyer.name}`,
        [
          {
            type: 'ObjectEvent',
            eventID: eventId(carrier, 'loading'),
            eventTime: time(pickedUp),
            eventTimeZoneOffset: '+01:00',
            action: 'OBSERVE',
            bizStep: 'loading',
            disposition: 'in_transit',
            epcList,
            readPoint: { id: vehicleId(carrier) },
            ...route,
          },
        ],
        masterData(carrier, [carrier, seller, buyer], [vehicleMasterData(carrier)]),
      );
      // The van's data logger: temperature and relative humidity every ten minutes.
      const sensorElementList: unknown[] = [];
      for (let minutes = 10, i = 0; plus(pickedUp, minutes) < lastUpload; minutes += 10, i += 1) {
        const at = plus(pickedUp, minutes);
        const temperature = ssccs.includes(excursionCase) && at in excursionReadings ? excursionReadings[at]! : round1(20 + 1.2 * Math.sin(i / 6 + index));
        sensorElementList.push({
          sensorMetadata: { time: time(at), deviceID: `${carrier.host}/8004/${carrier.prefix}LOGGER${vehicle(carrier).extension.slice(4)}` },
          sensorReport: [
            { type: 'gs1:Temperature', value: temperature, uom: 'CEL' },
            { type: 'gs1:RelativeHumidity', value: round1(45 + 4 * Math.sin(i / 9 + index)), uom: 'P1' },
          ],
        });
      }
      const sensorReport = {
        type: 'ObjectEvent',
        eventID: eventId(carrier, 'sensor-reporting'),
        eventTime: time(lastUpload),
        eventTimeZoneOffset: '+01:00',
        action: 'OBSERVE',
        bizStep: 'sensor_reporting',
        epcList,
        readPoint: { id: vehicleId(carrier) },
        sensorElementList,
      };
      const unloading = delivered
        ? [
            {
              type: 'ObjectEvent',
              eventID: eventId(carrier, 'unloading'),
              eventTime: time(delivered),
              eventTimeZoneOffset: '+01:00',
              action: 'OBSERVE',
              bizStep: 'unloading',
              epcList,
              readPoint: { id: vehicleId(carrier) },
              ...route,
            },
          ]
        : [];
      emit(carrier, `${carrier.name}: ${delivered ? `delivery to ${buyer.name}` : 'readings on the road'}`, [sensorReport, ...unloading]);
      legs.push({
        carrier,
        from: seller,
        to: buyer,
        ssccs,
        pickedUpAt: new Date(time(pickedUp)).toISOString(),
        deliveredAt: delivered ? new Date(time(delivered)).toISOString() : null,
        units: ssccs.flatMap((s) => caseUnits.get(s) ?? []),
      });
    });
    return {
      carriers: [P.frostline, P.kaltweg],
      /** Every carried leg, in the order of the deliveries above. */
      legs,
      /** The one excursion, as the logistics node must report it. */
      excursion: {
        sscc: excursionCase,
        carrier: P.kaltweg,
        from: P.harbor,
        to: P.rosen,
        units: caseUnits.get(excursionCase) ?? [],
        kind: 'ABOVE_MAX_TEMPERATURE' as const,
        limit: PRODUCTS.metformin.storage.maxTemperature,
        extreme: 31,
        startedAt: '2026-04-09T11:05:00.000Z',
        endedAt: '2026-04-09T11:45:00.000Z',
        durationMinutes: 40,
        readings: 4,
      },
      /** A pack no carrier carried: it went from Meridian to Northline, where it is in stock. */
      notCarried: caseUnits.get(aml1[3]!.children[0]!)![0]!,
    };
  }
  function addDeliberateCases() {
    const amlodipine = PRODUCTS.amlodipine.gtin;
    const metformin = PRODUCTS.metformin.gtin;
    const units = (sscc: string) => caseUnits.get(sscc) ?? [];
    const dispense = (by: DemoParty, unit: DemoUnit, at: string) => {
      patient += 1;
      const ref = createHash('sha256').update(`${by.gln}:patient:${patient % 9}`).digest('hex').slice(0, 16);
      return {
        type: 'ObjectEvent',
        eventID: eventId(by, 'dispensing'),
        eventTime: time(at),
        eventTimeZoneOffset: '+01:00',
        action: 'DELETE',
        bizStep: 'dispensing',
        disposition: 'dispensed',
        epcList: [unitId(by, unit)],
        readPoint: { id: siteId(by) },
        bizLocation: { id: siteId(by) },
        bizTransactionList: [{ type: 'tf:prescription', bizTransaction: `urn:tracefed:rx:${by.gln}:${String(patient).padStart(6, '0')}` }],
        'tf:patientRef': `pt-${ref}`,
      };
    };
    const objectEvent = (by: DemoParty, label: string, at: string, fields: Record<string, unknown>) => ({
      type: 'ObjectEvent',
      eventID: eventId(by, label),
      eventTime: time(at),
      eventTimeZoneOffset: '+01:00',
      readPoint: { id: siteId(by) },
      bizLocation: { id: siteId(by) },
      ...fields,
    });

    // Meridian's commercial master data: its price lists and its authorized trading partners.
    const priceEntry = (code: string, product: string, priceType: string, amount: number, extra: Record<string, unknown> = {}) => ({
      id: `urn:tracefed:price:${m.gln}:${code}`,
      attributes: [
        { id: 'tf:gtin', attribute: product },
        { id: 'tf:region', attribute: 'DE' },
        { id: 'tf:priceType', attribute: priceType },
        { id: 'tf:amount', attribute: amount },
        { id: 'tf:currency', attribute: 'EUR' },
        { id: 'tf:validFrom', attribute: '2026-01-01' },
        { id: 'tf:validTo', attribute: '2026-12-31' },
        ...Object.entries(extra).map(([id, attribute]) => ({ id, attribute })),
      ],
    });
    const authorization = (p: DemoParty, kind: 'distributor' | 'licensed_buyer', licence: string) => ({
      id: `urn:tracefed:trading-partner:${m.gln}:${p.gln}`,
      attributes: [
        { id: 'tf:partner', attribute: partyId(m, p) },
        { id: 'tf:authorization', attribute: kind },
        { id: 'tf:licence', attribute: licence },
        { id: 'tf:region', attribute: p.country },
        { id: 'tf:validFrom', attribute: '2026-01-01' },
        { id: 'tf:validTo', attribute: '2026-12-31' },
      ],
    });
    emit(m, 'price lists and authorized trading partners', [], masterData(m, [m, P.northline, P.harbor, P.linden, P.stanna, P.rosen], [
      {
        type: 'https://ns.tracefed.org/epcis/PriceListEntry',
        vocabularyElementList: [
          priceEntry('AML-DE-WHOLESALE-LIST-2026', amlodipine, 'list', PRODUCTS.amlodipine.price, { 'tf:channel': 'wholesale' }),
          priceEntry('AML-DE-MAXIMUM-2026', amlodipine, 'maximum', price('amlodipine', 1.2)),
          priceEntry('AML-DE-NORTHLINE-HARBOR-2026', amlodipine, 'contract', price('amlodipine', 1.07), {
            'tf:channel': 'wholesale',
            'tf:seller': partyId(m, P.northline),
            'tf:buyer': partyId(m, P.harbor),
          }),
          priceEntry('MET-DE-WHOLESALE-LIST-2026', metformin, 'list', PRODUCTS.metformin.price, { 'tf:channel': 'wholesale' }),
          priceEntry('MET-DE-MAXIMUM-2026', metformin, 'maximum', price('metformin', 1.2)),
        ],
      },
      {
        type: 'https://ns.tracefed.org/epcis/TradingPartner',
        vocabularyElementList: [
          authorization(P.northline, 'distributor', 'DE-HH-GDP-2019-0412'),
          authorization(P.harbor, 'distributor', 'DE-HB-GDP-2021-0077'),
          authorization(P.linden, 'licensed_buyer', 'DE-BE-APO-1187'),
          authorization(P.stanna, 'licensed_buyer', 'DE-BY-KHA-0311'),
          authorization(P.rosen, 'licensed_buyer', 'DE-NW-APO-2406'),
        ],
      },
    ]));

    // A recalled lot spread across every role: Meridian keeps a case, Northline and Harbor hold and ship
    // cases, one case is on the road to Rosen-Apotheke, Linden-Apotheke and St. Anna dispensed units,
    // St. Anna destroyed one and returned two to Northline. Meridian recalls the lot on 2026-11-20; after
    // that Northline still sells a case to St. Anna and Linden-Apotheke still dispenses a pack.
    const api = CASE_COMPONENTS.amlodipineApi2604!;
    emit(
      m,
      `component receipt ${api.lot}`,
      [
        objectEvent(m, 'component-receipt', '2026-05-04T09:00:00.000', {
          action: 'OBSERVE',
          bizStep: 'receiving',
          disposition: 'in_progress',
          quantityList: [{ epcClass: formatLgtinUrn(api.gtin, api.lot, CPL), quantity: api.quantity * 3, uom: api.uom }],
          sourceList: [{ type: 'owning_party', source: partyId(m, P[api.supplier]) }],
          destinationList: [{ type: 'owning_party', destination: partyId(m, m) }],
        }),
      ],
      masterData(m, [m, P[api.supplier]], [
        {
          type: 'urn:epcglobal:epcis:vtype:EPCClass',
          vocabularyElementList: [
            {
              id: formatLgtinUrn(api.gtin, api.lot, CPL),
              attributes: [
                { id: 'cbvmda:name', attribute: api.material },
                { id: 'cbvmda:lotNumber', attribute: api.lot },
                { id: 'tf:materialKind', attribute: api.kind },
                { id: 'tf:supplier', attribute: formatPglnUrn(P[api.supplier].gln, CPL) },
                { id: 'tf:productionSite', attribute: formatSglnUrn(P[api.supplier].site.gln, '0', CPL) },
                { id: 'tf:productionDate', attribute: api.productionDate },
              ],
            },
          ],
        },
      ]),
    );
    const recallPlan = CASE_LOTS.recall;
    const recallLot = manufactureLot(recallPlan, { pallets: 1, casesPerPallet: 4, looseCases: 2 });
    const recallPallet = recallLot.pallets[0]!;
    const [r1, r2, r3, r4] = recallPallet.children as [string, string, string, string];
    const [r5, r6] = recallLot.looseCases as [string, string];
    ship(m, P.northline, [recallPallet.sscc], '2026-06-08T07:00:00.000', '2026-06-10T09:00:00.000', price('amlodipine', 1));
    ship(m, P.harbor, [r5], '2026-06-08T07:30:00.000', '2026-06-09T09:00:00.000', price('amlodipine', 1));
    unpack(P.northline, recallPallet.sscc, '2026-06-11T08:00:00.000');
    ship(P.northline, P.linden, [r1], '2026-06-15T07:00:00.000', '2026-06-15T13:00:00.000', price('amlodipine', 1.14));
    ship(P.northline, P.stanna, [r2], '2026-06-16T07:00:00.000', '2026-06-16T13:00:00.000', price('amlodipine', 1.1));
    emit(P.linden, 'Linden-Apotheke: dispensing of AML2603', units(r1).slice(0, 6).map((u, i) => dispense(P.linden, u, `2026-06-${16 + i}T10:00:00.000`)));
    const destroyed = units(r2)[10]!;
    const returned = units(r2).slice(11, 13);
    emit(P.stanna, 'St. Anna: dispensing and destruction of AML2603', [
      ...units(r2).slice(0, 4).map((u, i) => dispense(P.stanna, u, `2026-06-${17 + i}T10:00:00.000`)),
      objectEvent(P.stanna, 'destroying', '2026-07-01T10:00:00.000', {
        action: 'DELETE',
        bizStep: 'destroying',
        disposition: 'destroyed',
        epcList: [unitId(P.stanna, destroyed)],
      }),
    ]);
    const rma = { type: 'rma', bizTransaction: `urn:epcglobal:cbv:bt:${P.northline.gln}:RMA-00001` };
    emit(P.stanna, 'St. Anna: return of two packs to Northline', [
      objectEvent(P.stanna, 'shipping-return', '2026-07-10T08:00:00.000', {
        action: 'OBSERVE',
        bizStep: 'shipping',
        disposition: 'returned',
        epcList: returned.map((u) => unitId(P.stanna, u)),
        bizTransactionList: [rma],
        sourceList: [{ type: 'owning_party', source: partyId(P.stanna, P.stanna) }],
        destinationList: [{ type: 'owning_party', destination: partyId(P.stanna, P.northline) }],
      }),
    ]);
    emit(P.northline, 'Northline: receipt of returned packs from St. Anna', [
      objectEvent(P.northline, 'receiving-return', '2026-07-11T09:00:00.000', {
        action: 'OBSERVE',
        bizStep: 'receiving',
        disposition: 'returned',
        epcList: returned.map((u) => unitId(P.northline, u)),
        bizTransactionList: [rma],
        sourceList: [{ type: 'owning_party', source: partyId(P.northline, P.stanna) }],
        destinationList: [{ type: 'owning_party', destination: partyId(P.northline, P.northline) }],
      }),
    ]);
    ship(P.harbor, P.rosen, [r5], '2026-11-18T07:00:00.000', null, price('amlodipine', 1.18));
    const recallReason = 'Dissolution below specification at the 6-month stability time point';
    const recallEventId = eventId(m, 'recall');
    emit(m, `recall of lot ${recallPlan.lot}`, [
      recallEvent({
        eventId: recallEventId,
        gtin: amlodipine,
        lot: recallPlan.lot,
        reason: recallReason,
        recallClass: 'II',
        at: new Date('2026-11-20T09:00:00.000+01:00'),
        quantity: recallLot.units.length,
      }),
    ]);
    ship(P.northline, P.stanna, [r3], '2026-11-23T07:00:00.000', '2026-11-23T13:00:00.000', price('amlodipine', 1.1));
    const dispensedAfterRecall = units(r1)[6]!;
    emit(P.linden, 'Linden-Apotheke: a dispense after the recall', [dispense(P.linden, dispensedAfterRecall, '2026-11-24T10:00:00.000')]);

    // A short-dated lot: Harbor sells a case of it to Linden-Apotheke after it expired, which dispenses one.
    const shortPlan = CASE_LOTS.shortDated;
    const shortLot = manufactureLot(shortPlan, { pallets: 0, casesPerPallet: 0, looseCases: 1 });
    const shortCase = shortLot.looseCases[0]!;
    ship(m, P.harbor, [shortCase], '2026-02-10T07:00:00.000', '2026-02-11T09:00:00.000', price('metformin', 1));
    ship(P.harbor, P.linden, [shortCase], '2026-07-06T07:00:00.000', '2026-07-06T12:00:00.000', price('metformin', 1.15));
    const dispensedAfterExpiry = units(shortCase)[0]!;
    emit(P.linden, 'Linden-Apotheke: a dispense after expiry', [dispense(P.linden, dispensedAfterExpiry, '2026-07-08T10:00:00.000')]);

    // A clone: a genuine metformin pack dispensed at Linden-Apotheke; a copy with its serial dispensed at Rosen-Apotheke.
    const cloned = units(met[0]!.children[0]!)[2]!;
    const copyDispense = dispense(P.rosen, cloned, '2026-05-20T11:00:00.000');
    emit(P.rosen, 'Rosen-Apotheke: a dispense of a cloned serial', [copyDispense]);

    // A counterfeit: St. Anna dispenses a pack whose serial Meridian never commissioned. The demo's own
    // serials never contain 0 or 1, so neither this one nor the unknown serial can ever be genuine.
    const counterfeit = { gtin: amlodipine, serial: 'K0TR4X1MQZ', lot: 'AML2601', expiry: '2028-01-31' };
    emit(P.stanna, 'St. Anna: a dispense of a counterfeit serial', [
      dispense(P.stanna, { gtin: counterfeit.gtin, serial: counterfeit.serial, lot: counterfeit.lot, expiry: counterfeit.expiry }, '2026-06-02T10:00:00.000'),
    ]);
    const unknownSerial = { gtin: amlodipine, serial: 'N0SUCH1PAK', lot: 'AML2601', expiry: '2028-01-31' };

    // A stolen pack that appears again: Linden-Apotheke reported it stolen; months later Rosen-Apotheke
    // records a receipt "from Harbor", which never shipped it there.
    const stolen = units(met[0]!.children[0]!)[16]!;
    const reappearance = objectEvent(P.rosen, 'receiving', '2026-09-15T10:00:00.000', {
      action: 'OBSERVE',
      bizStep: 'receiving',
      disposition: 'in_progress',
      epcList: [unitId(P.rosen, stolen)],
      sourceList: [{ type: 'owning_party', source: partyId(P.rosen, P.harbor) }],
      destinationList: [{ type: 'owning_party', destination: partyId(P.rosen, P.rosen) }],
    });
    emit(P.rosen, 'Rosen-Apotheke: receipt of a pack reported stolen', [reappearance]);

    // Diversion: Harbor sells a case of AML2602 to Elbe Pharmahandel, which is neither an authorized
    // distributor nor a licensed buyer, at 6.20 EUR, above the 5.04 EUR maximum price.
    const divertedCase = aml2[3]!.children[4]!;
    ship(P.harbor, P.elbe, [divertedCase], '2026-05-20T07:00:00.000', null, 6.2);

    return {
      recall: {
        gtin: amlodipine,
        lot: recallPlan.lot,
        eventID: recallEventId,
        reason: recallReason,
        recallClass: 'CLASS_II' as const,
        recalledAt: '2026-11-20T08:00:00.000Z',
        units: recallLot.units,
        /** Where its units are. */
        atManufacturer: units(r6),
        atNorthline: units(r4),
        inTransitToRosen: units(r5),
        dispensedAtLinden: [...units(r1).slice(0, 6), dispensedAfterRecall],
        dispensedAtStanna: units(r2).slice(0, 4),
        destroyed,
        returned,
        /** Sold by Northline to St. Anna three days after the recall. */
        soldAfterRecall: units(r3),
        dispensedAfterRecall,
      },
      shortDated: { gtin: metformin, lot: shortPlan.lot, expiry: shortPlan.expiry, soldAfterExpiry: units(shortCase), dispensedAfterExpiry },
      clone: { unit: cloned, genuineAt: P.linden, copyAt: P.rosen, copyEventID: copyDispense.eventID },
      counterfeit: { ...counterfeit, seenAt: P.stanna },
      unknownSerial,
      stolenReappeared: { unit: stolen, stolenAt: P.linden, receivedBy: P.rosen, receiptEventID: reappearance.eventID as string },
      diversion: { unit: units(divertedCase)[0]!, units: units(divertedCase), sscc: divertedCase, seller: P.harbor, buyer: P.elbe, unitPrice: 6.2 },
      contaminatedIngredient: {
        gtin: COMPONENTS.amlodipineApi!.gtin,
        lot: COMPONENTS.amlodipineApi!.lot,
        material: COMPONENTS.amlodipineApi!.material,
        supplier: P.huayang,
        finishedLots: ['AML2601', 'AML2602'],
      },
    };
  }

  /** Units whose records carry a deliberate signal; every other unit of the demo is clean. */
  const flaggedUnits = [
    ...cases.recall.soldAfterRecall,
    cases.recall.dispensedAfterRecall,
    ...cases.shortDated.soldAfterExpiry,
    cases.clone.unit,
    cases.stolenReappeared.unit,
    ...cases.diversion.units,
    ...coldChain.excursion.units,
  ];
  return {
    parties: PARTIES,
    products: PRODUCTS,
    lots: LOTS,
    caseLots: CASE_LOTS,
    documents,
    units: allUnits,
    pallets,
    heroUnit,
    dispensed,
    repacked: { sscc: repacked, units: mixed },
    cases: { ...cases, flaggedUnits },
    coldChain,
  };
}

export type DemoNetwork = ReturnType<typeof buildDemoNetwork>;
