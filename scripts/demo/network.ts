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

export type NodeName = 'manufacturer' | 'distributor' | 'dispenser';

export interface DemoParty {
  key: string;
  gln: string;
  prefix: string;
  name: string;
  role: 'manufacturer' | 'supplier' | 'distributor' | 'dispenser';
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
  },
  metformin: {
    gtin: gtin('4061234', '10002'),
    name: 'Metformin 500 mg film-coated tablets, 60 pcs',
    nationalCode: 'PZN 18234573',
    dosageForm: 'FILM_COATED_TABLET',
    strength: '500 mg',
    price: 3.1,
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
  for (const plan of LOTS) {
    const product = PRODUCTS[plan.product];
    const units: DemoUnit[] = [];
    for (let i = 0; i < UNITS_PER_CASE * CASES_PER_PALLET * PALLETS_PER_LOT; i += 1) {
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
          const c = COMPONENTS[k] as Component;
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
    for (let p = 0; p < PALLETS_PER_LOT; p += 1) {
      const pallet: Container = { sscc: nextSscc(m), children: [], units: [], lot: plan };
      for (let c = 0; c < CASES_PER_PALLET; c += 1) {
        const start = (p * CASES_PER_PALLET + c) * UNITS_PER_CASE;
        const caseUnits = units.slice(start, start + UNITS_PER_CASE);
        const sscc = nextSscc(m);
        pallet.children.push(sscc);
        pallet.units.push(...caseUnits);
        events.push({
          type: 'AggregationEvent',
          eventID: eventId(m, 'packing-case'),
          eventTime: time(`${plan.made}T10:${String(p * CASES_PER_PALLET + c).padStart(2, '0')}:00.000`),
          eventTimeZoneOffset: '+01:00',
          parentID: ssccId(m, sscc),
          childEPCs: caseUnits.map((u) => unitId(m, u)),
          action: 'ADD',
          bizStep: 'packing',
          disposition: 'in_progress',
          readPoint: { id: siteId(m) },
          bizLocation: { id: siteId(m) },
        });
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
    }
    emit(m, `lot ${plan.lot}: manufacture, commissioning, packing`, events);
  }

  // Cases by SSCC, so receivers can record what they found inside.
  const caseUnits = new Map<string, DemoUnit[]>();
  for (const pallet of pallets) {
    pallet.children.forEach((sscc, i) => caseUnits.set(sscc, pallet.units.slice(i * UNITS_PER_CASE, (i + 1) * UNITS_PER_CASE)));
  }

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
        bizTransactionList: [{ type: 'prescription', bizTransaction: `urn:tracefed:rx:${buyer.gln}:${String(patient).padStart(6, '0')}` }],
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
  return { parties: PARTIES, products: PRODUCTS, lots: LOTS, documents, units: allUnits, pallets, heroUnit, dispensed, repacked: { sscc: repacked, units: mixed } };
}

export type DemoNetwork = ReturnType<typeof buildDemoNetwork>;
