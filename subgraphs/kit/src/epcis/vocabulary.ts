/**
 * CBV 2.0 vocabularies arrive in three spellings: a bare word (`shipping`), a URN
 * (`urn:epcglobal:cbv:bizstep:shipping`) and a web URI (`https://ref.gs1.org/cbv/BizStep-shipping`).
 * The store keeps the bare word for standard values and the full URI for anything else, so one
 * index entry serves all three spellings.
 */

interface VocabularyForms {
  urn: string;
  web: string;
}

export const CBV_FORMS = {
  bizStep: { urn: 'urn:epcglobal:cbv:bizstep:', web: 'https://ref.gs1.org/cbv/BizStep-' },
  disposition: { urn: 'urn:epcglobal:cbv:disp:', web: 'https://ref.gs1.org/cbv/Disp-' },
  bizTransactionType: { urn: 'urn:epcglobal:cbv:btt:', web: 'https://ref.gs1.org/cbv/BTT-' },
  sourceDestType: { urn: 'urn:epcglobal:cbv:sdt:', web: 'https://ref.gs1.org/cbv/SDT-' },
  errorReason: { urn: 'urn:epcglobal:cbv:er:', web: 'https://ref.gs1.org/cbv/ER-' },
  component: { urn: 'urn:epcglobal:cbv:comp:', web: 'https://ref.gs1.org/cbv/Comp-' },
} satisfies Record<string, VocabularyForms>;

export type VocabularyKind = keyof typeof CBV_FORMS;

/**
 * The standard values of each CBV 2.0 vocabulary (GS1 Core Business Vocabulary 2.0, §7; the same terms
 * the EPCIS 2.0 JSON-LD context maps). Anything else must be a URI of the user's own.
 */
export const CBV_TERMS: Readonly<Record<VocabularyKind, ReadonlySet<string>>> = {
  bizStep: new Set([
    'accepting', 'arriving', 'assembling', 'collecting', 'commissioning', 'consigning', 'creating_class_instance',
    'cycle_counting', 'decommissioning', 'departing', 'destroying', 'disassembling', 'dispensing', 'encoding',
    'entering_exiting', 'holding', 'inspecting', 'installing', 'killing', 'loading', 'other', 'packing', 'picking',
    'receiving', 'removing', 'repackaging', 'repairing', 'replacing', 'reserving', 'retail_selling', 'sampling',
    'sensor_reporting', 'shipping', 'staging_outbound', 'stock_taking', 'stocking', 'storing', 'transporting',
    'unloading', 'unpacking', 'void_shipping',
  ]),
  disposition: new Set([
    'active', 'available', 'completeness_inferred', 'completeness_verified', 'conformant', 'container_closed',
    'container_open', 'damaged', 'destroyed', 'dispensed', 'disposed', 'encoded', 'expired', 'in_progress',
    'in_transit', 'inactive', 'mismatch_class', 'mismatch_instance', 'mismatch_quantity', 'needs_replacement',
    'no_pedigree_match', 'non_conformant', 'non_sellable_other', 'partially_dispensed', 'recalled', 'reserved',
    'retail_sold', 'returned', 'sellable_accessible', 'sellable_not_accessible', 'stolen', 'unavailable', 'unknown',
  ]),
  bizTransactionType: new Set([
    'bol', 'cert', 'desadv', 'inv', 'pedigree', 'po', 'poc', 'prodorder', 'recadv', 'rma', 'testprd', 'testres', 'upevt',
  ]),
  sourceDestType: new Set(['owning_party', 'possessing_party', 'location']),
  errorReason: new Set(['did_not_occur', 'incorrect_data']),
  component: new Set([
    'x', 'y', 'z', 'axial_distance', 'azimuth', 'height', 'spherical_radius', 'polar_angle', 'elevation_angle',
    'easting', 'northing', 'latitude', 'longitude', 'altitude',
  ]),
};

/** Reduces a CBV value in any of its spellings to the bare word; other URIs pass unchanged. */
export function normaliseVocabulary(kind: VocabularyKind, value: string): string {
  const forms = CBV_FORMS[kind];
  if (value.startsWith(forms.urn)) return value.slice(forms.urn.length);
  if (value.startsWith(forms.web)) return value.slice(forms.web.length);
  return value;
}

/** Well-known namespaces. `tf` is tracefed's own extension namespace. */
export const NS = {
  cbvmda: 'urn:epcglobal:cbv:mda:',
  tf: 'https://ns.tracefed.org/epcis/',
  gs1: 'https://gs1.org/voc/',
  epcis: 'https://ref.gs1.org/epcis/',
  cbv: 'https://ref.gs1.org/cbv/',
} as const;

/** The master data vocabulary types tracefed reads (EPCIS 2.0 §7.2). */
export const VTYPE = {
  epcClass: 'urn:epcglobal:epcis:vtype:EPCClass',
  businessLocation: 'urn:epcglobal:epcis:vtype:BusinessLocation',
  readPoint: 'urn:epcglobal:epcis:vtype:ReadPoint',
  party: 'urn:epcglobal:epcis:vtype:Party',
  /** tracefed: a manufacturer's price for a product, region and channel (list, contract or maximum). */
  priceListEntry: `${NS.tf}PriceListEntry`,
  /** tracefed: a manufacturer's authorization of a trading partner (distributor, or licensed buyer). */
  tradingPartner: `${NS.tf}TradingPartner`,
} as const;

/**
 * Business transaction types of tracefed's own (the CBV has none for these). Stored, like every
 * non-CBV value, as the full IRI.
 */
export const BTT = {
  /** A medical prescription, the transaction a dispense fulfils. Written `tf:prescription` in documents. */
  prescription: `${NS.tf}prescription`,
} as const;

/** Master data and extension attribute IRIs used by the views. */
export const ATTR = {
  name: `${NS.cbvmda}name`,
  countryCode: `${NS.cbvmda}countryCode`,
  regulatedProductName: `${NS.cbvmda}regulatedProductName`,
  dosageFormType: `${NS.cbvmda}dosageFormType`,
  strengthDescription: `${NS.cbvmda}strengthDescription`,
  additionalTradeItemIdentification: `${NS.cbvmda}additionalTradeItemIdentification`,
  lotNumber: `${NS.cbvmda}lotNumber`,
  itemExpirationDate: `${NS.cbvmda}itemExpirationDate`,
  /** tracefed extensions, for facts CBV has no attribute for. */
  productionDate: `${NS.tf}productionDate`,
  companyPrefixLength: `${NS.tf}companyPrefixLength`,
  partyRole: `${NS.tf}partyRole`,
  siteKind: `${NS.tf}siteKind`,
  operatedBy: `${NS.tf}operatedBy`,
  supplier: `${NS.tf}supplier`,
  productionSite: `${NS.tf}productionSite`,
  materialKind: `${NS.tf}materialKind`,
  unitPrice: `${NS.tf}unitPrice`,
  currency: `${NS.tf}currency`,
  patientRef: `${NS.tf}patientRef`,
  /** Price list entries and trading partner authorizations (manufacturer master data). */
  gtin: `${NS.tf}gtin`,
  gtins: `${NS.tf}gtins`,
  region: `${NS.tf}region`,
  channel: `${NS.tf}channel`,
  priceType: `${NS.tf}priceType`,
  amount: `${NS.tf}amount`,
  validFrom: `${NS.tf}validFrom`,
  validTo: `${NS.tf}validTo`,
  seller: `${NS.tf}seller`,
  buyer: `${NS.tf}buyer`,
  partner: `${NS.tf}partner`,
  authorization: `${NS.tf}authorization`,
  licence: `${NS.tf}licence`,
  /**
   * A product's storage conditions (EPCClass master data, the manufacturer's): lowest and highest
   * temperature in °C and highest relative humidity in %, as on the label ("store at 15-25 °C"). CBV
   * master data has no attribute for them; the names follow the GDSN trade item's temperature and
   * humidity information.
   */
  storageMinimumTemperature: `${NS.tf}storageMinimumTemperature`,
  storageMaximumTemperature: `${NS.tf}storageMaximumTemperature`,
  storageMaximumHumidity: `${NS.tf}storageMaximumHumidityPercentage`,
  /** Extension fields of a recall event (an ObjectEvent with disposition `recalled` on the lot class). */
  recallClass: `${NS.tf}recallClass`,
  recallReason: `${NS.tf}recallReason`,
  /** GLN of the authority that ordered a recall the manufacturer's node records (absent: the manufacturer's own). */
  recallOrderedBy: `${NS.tf}recallOrderedBy`,
} as const;

/**
 * EU FMD pack states the CBV has no disposition for (Commission Delegated Regulation (EU) 2016/161,
 * Art. 22-25: exported, sample, free sample, locked). Stored, like every non-CBV value, as the full IRI.
 */
export const TF_DISPOSITION = {
  exported: `${NS.tf}Disp-exported`,
  sample: `${NS.tf}Disp-sample`,
  freeSample: `${NS.tf}Disp-free_sample`,
  locked: `${NS.tf}Disp-locked`,
} as const;
