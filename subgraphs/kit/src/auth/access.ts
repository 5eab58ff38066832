/**
 * The access table of the public API: every protected field with the rule that guards it, and a
 * classification of every other object type. It is the single source for the resolvers (which call
 * `requireAccess` with the facts they hold) and for the authorization-matrix test (which enumerates the
 * gateway's API, fails on any type or field missing here, and probes every protected field as every
 * demo identity). The rules themselves are in policy.ts.
 */
import type { GraphQLError } from 'graphql';
import type { Identity } from './identity.ts';
import { forbidden } from './guard.ts';
import {
  canRecall,
  canSeeAllPrices,
  canSeeCustody,
  canSeeDispense,
  canSeeHoldings,
  canSeeLotWhereabouts,
  canSeePatientContacts,
  canSeePrices,
  canSeeSalesOf,
} from './policy.ts';

/** A rule of the table: who it lets through (for the FORBIDDEN message), and the decision. */
interface Rule<F> {
  who: string;
  allows(identity: Identity, facts: F): boolean;
}

const rule = <F>(who: string, allows: (identity: Identity, facts: F) => boolean): Rule<F> => ({ who, allows });

export const RULES = {
  custody: rule('the partners that held the unit, its manufacturer, investigators and regulators', canSeeCustody),
  prices: rule("the seller, the buyer, the product's manufacturer and investigators", canSeePrices),
  allPrices: rule("the product's manufacturer and investigators", canSeeAllPrices),
  dispense: rule('the dispensing partner and regulators', canSeeDispense),
  patientContacts: rule('dispensers (each its own patients) and regulators', (identity, _lot: { gtin: string }) =>
    canSeePatientContacts(identity),
  ),
  recall: rule("the product's manufacturer and regulators", canRecall),
  lotWhereabouts: rule("the product's manufacturer, investigators and regulators", canSeeLotWhereabouts),
  holdings: rule('the holder itself, investigators and regulators', canSeeHoldings),
  salesRegister: rule('the seller itself and investigators; every seller at once: investigators only', canSeeSalesOf),
};

export type RuleName = keyof typeof RULES;
export type FactsOfRule<R extends RuleName> = Parameters<(typeof RULES)[R]['allows']>[1];

/** Which node's records give the custody rule its `partiesInvolved`: every node's (merged), or one node's. */
export type CustodyScope = 'every node' | 'MANUFACTURER' | 'DISTRIBUTOR' | 'DISPENSER' | 'LOGISTICS';

export interface Guard {
  rule: RuleName;
  /**
   * For the custody rule: whose records name the parties. A field that a node answers without the other
   * nodes' custody (no @requires) decides from that node's records alone; a partner that held the unit
   * but is not named there is refused (never the other way round).
   */
  custodyFrom?: CustodyScope;
}

/**
 * Every protected field of the public API. A denied field resolves to null with a FORBIDDEN error that
 * names the field and who may see it, never its value; the rest of the answer is unaffected.
 */
export const PROTECTED = {
  // Custody chain of a unit (who, where, when).
  'SerializedUnit.custody': { rule: 'custody', custodyFrom: 'every node' },
  'SerializedUnit.commissioning': { rule: 'custody', custodyFrom: 'MANUFACTURER' },
  'SerializedUnit.decommissioning': { rule: 'custody', custodyFrom: 'DISPENSER' },
  'SerializedUnit.sales': { rule: 'custody', custodyFrom: 'DISTRIBUTOR' },
  // Carriage (logistics node): the carriers and the partners its legs name decide.
  'SerializedUnit.transit': { rule: 'custody', custodyFrom: 'LOGISTICS' },
  'SerializedUnit.temperatureExcursions': { rule: 'custody', custodyFrom: 'LOGISTICS' },
  'Container.transit': { rule: 'custody', custodyFrom: 'LOGISTICS' },
  'Verification.eventIDs': { rule: 'custody', custodyFrom: 'every node' },
  'Verification.partners': { rule: 'custody', custodyFrom: 'every node' },
  'Signal.eventIDs': { rule: 'custody', custodyFrom: 'every node' },
  'Signal.partners': { rule: 'custody', custodyFrom: 'every node' },
  // Who set a pack's state and by which event (dispensed at, destroyed by, exported by...). The state
  // itself, its reason and date, and whether a dispense can still be undone stay public: a verifier must
  // learn them. Only the dispenser may undo, and it held the pack, so it passes the rule.
  'PackStatus.by': { rule: 'custody', custodyFrom: 'every node' },
  'PackStatus.eventID': { rule: 'custody', custodyFrom: 'every node' },
  'DispenseUndo.by': { rule: 'custody', custodyFrom: 'every node' },
  // Where a whole lot is.
  'Lot.whereabouts': { rule: 'lotWhereabouts' },
  'Query.holdings': { rule: 'holdings' },
  // Prices, invoices and sales terms of one sale.
  'Sale.unitPrice': { rule: 'prices' },
  'Sale.currency': { rule: 'prices' },
  'Sale.invoice': { rule: 'prices' },
  'Sale.purchaseOrder': { rule: 'prices' },
  // Every seller's prices for a product.
  'Product.priceList': { rule: 'allPrices' },
  'Query.priceViolations': { rule: 'allPrices' },
  'SerializedUnit.diversion': { rule: 'allPrices' },
  'Query.sales': { rule: 'salesRegister' },
  // Dispense details and the pseudonymous patient reference.
  'SerializedUnit.dispense': { rule: 'dispense' },
  'Query.dispenses': { rule: 'dispense' },
  'Lot.patientContacts': { rule: 'patientContacts' },
  // Recalls.
  'Mutation.recallLot': { rule: 'recall' },
} as const satisfies Record<string, Guard>;

export type Coordinate = keyof typeof PROTECTED;
export type FactsOf<C extends Coordinate> = FactsOfRule<(typeof PROTECTED)[C]['rule']>;

/**
 * Non-null fields whose text names what a rule protects: for a caller the rule refuses, the resolver
 * answers a text without the protected part instead of null (the field cannot be null).
 */
export const REDACTED = {
  /** Signal messages name partners, dates and events: refused callers get the signal's plain meaning. */
  'Signal.message': { rule: 'custody', custodyFrom: 'every node' },
} as const satisfies Record<string, Guard>;

export type RedactedCoordinate = keyof typeof REDACTED;

/**
 * How every object type of the public API is reached. `public`: any authenticated partner reads the
 * fields listed (each field must be listed, here or in PROTECTED, so a new field cannot slip through
 * unclassified). `inside`: reached only through the protected fields named (the test checks that no
 * path from Query or Mutation avoids them). `unreachable`: in the API but returned by no field.
 */
export type Classification =
  | { public: readonly string[] }
  | { inside: readonly Coordinate[] }
  | { unreachable: string };

export const TYPES = {
  Query: { public: ['trace', 'unit', 'products', 'product', 'lot', 'verify', 'componentLot', 'container'] },
  Mutation: { public: [] },
  // Verification-level facts about a pack: identity, master data, genealogy, pack status, signals.
  SerializedUnit: {
    public: ['gtin', 'serial', 'epc', 'digitalLink', 'commissioned', 'product', 'lot', 'signals', 'packStatus'],
  },
  Product: { public: ['gtin', 'name', 'nationalDrugCode', 'dosageForm', 'strength', 'manufacturer', 'lots', 'tradingPartners', 'storage'] },
  StorageConditions: { public: ['minTemperature', 'maxTemperature', 'maxRelativeHumidity'] },
  Container: { public: ['sscc'] },
  Lot: {
    public: [
      'gtin',
      'lotNumber',
      'product',
      'expiry',
      'manufactureDate',
      'packagingSite',
      'components',
      'transformationEventID',
      'unitCount',
      'units',
      'recall',
      'lotsSharingComponents',
      'eventIDs',
      'partners',
    ],
  },
  ComponentLot: {
    public: ['gtin', 'lotNumber', 'material', 'materialKind', 'supplier', 'site', 'manufactureDate', 'quantity', 'uom', 'consumedBy', 'eventIDs'],
  },
  RelatedLot: { public: ['lot', 'sharedComponents'] },
  Recall: { public: ['eventID', 'lot', 'recalledAt', 'recalledBy', 'class', 'reason'] },
  Verification: {
    public: [
      'id',
      'verificationTimestamp',
      'responderGLN',
      'corrUUID',
      'reqGLN',
      'context',
      'gtin',
      'serial',
      'lot',
      'expiry',
      'unit',
      'data',
      'packStatus',
      'signals',
      'recall',
    ],
  },
  VerificationData: { public: ['verified', 'verificationFailureReason', 'additionalInfo'] },
  PackStatus: { public: ['state', 'active', 'reason', 'since', 'undo'] },
  DispenseUndo: { public: ['possible', 'deadline', 'reason'] },
  Signal: { public: ['code', 'severity', 'message'] },
  Party: { public: ['gln', 'name', 'role', 'country'] },
  Location: { public: ['gln', 'extension', 'name', 'country', 'kind', 'operatedBy'] },
  TradingPartner: { public: ['party', 'publishedBy', 'authorization', 'licence', 'region', 'validFrom', 'validTo', 'gtins'] },

  // Custody.
  CustodyChain: { inside: ['SerializedUnit.custody'] },
  CustodyHop: { inside: ['SerializedUnit.custody'] },
  Transit: { inside: ['SerializedUnit.custody'] },
  CustodyBreak: { inside: ['SerializedUnit.custody'] },
  ContainerStay: { inside: ['SerializedUnit.custody'] },
  CustodyEvent: { inside: ['SerializedUnit.custody', 'SerializedUnit.commissioning'] },
  SourceDestination: { inside: ['SerializedUnit.custody', 'SerializedUnit.commissioning'] },
  BizTransaction: { inside: ['SerializedUnit.custody', 'SerializedUnit.commissioning'] },
  EventAnomaly: { inside: ['SerializedUnit.custody', 'SerializedUnit.commissioning'] },
  Decommissioning: { inside: ['SerializedUnit.decommissioning'] },
  TransitLeg: { inside: ['SerializedUnit.transit', 'Container.transit'] },
  ConditionReading: { inside: ['SerializedUnit.transit', 'Container.transit'] },
  TemperatureExcursion: { inside: ['SerializedUnit.temperatureExcursions'] },
  NodeCustody: { unreachable: 'the per-node custody fields that return it are @inaccessible: internal inputs of SerializedUnit.custody' },
  // Lots.
  LotWhereabouts: { inside: ['Lot.whereabouts'] },
  LotHolding: { inside: ['Lot.whereabouts'] },
  LotTransit: { inside: ['Lot.whereabouts'] },
  LotDispensed: { inside: ['Lot.whereabouts'] },
  LotRemoved: { inside: ['Lot.whereabouts'] },
  Holding: { inside: ['Query.holdings'] },
  // Trade.
  Sale: { inside: ['SerializedUnit.sales', 'Query.sales', 'SerializedUnit.diversion', 'Query.priceViolations'] },
  PriceListEntry: { inside: ['Product.priceList', 'Query.priceViolations', 'SerializedUnit.diversion'] },
  PriceViolation: { inside: ['Query.priceViolations', 'SerializedUnit.diversion'] },
  PriceViolationReport: { inside: ['Query.priceViolations'] },
  SellerPriceViolations: { inside: ['Query.priceViolations'] },
  Diversion: { inside: ['SerializedUnit.diversion'] },
  // Dispensing.
  Dispense: { inside: ['SerializedUnit.dispense', 'Query.dispenses'] },
  PatientContacts: { inside: ['Lot.patientContacts'] },
  PatientContact: { inside: ['Lot.patientContacts'] },
} as const satisfies Record<string, Classification>;

/** The table's entry for a protected or redacted field. */
export function guardOf(coordinate: Coordinate | RedactedCoordinate): Guard {
  return coordinate in PROTECTED ? PROTECTED[coordinate as Coordinate] : REDACTED[coordinate as RedactedCoordinate];
}

/** The FORBIDDEN error for a protected field: names the field and who may see it, never its value. */
export function withheld(coordinate: Coordinate | RedactedCoordinate): GraphQLError {
  return forbidden(`${coordinate} (${RULES[guardOf(coordinate).rule].who} only)`);
}

/** The table's decision for one protected field, from the facts the resolver holds. */
export function mayAccess<C extends Coordinate>(identity: Identity, coordinate: C, facts: FactsOf<C>): boolean {
  const allows = RULES[PROTECTED[coordinate].rule].allows as (identity: Identity, facts: FactsOf<C>) => boolean;
  return allows(identity, facts);
}

/** Throws the field's FORBIDDEN error unless the table lets the caller see it. */
export function requireAccess<C extends Coordinate>(identity: Identity, coordinate: C, facts: FactsOf<C>): void {
  if (!mayAccess(identity, coordinate, facts)) throw withheld(coordinate);
}

const FACTS = Symbol('tracefed.access.facts');
type Tagged = { [FACTS]?: Partial<{ [R in RuleName]: FactsOfRule<R> }> };

/**
 * Tags a value object with the facts a rule needs, where the value is produced. Value types such as
 * Sale or Signal do not carry their parent: the seller, buyer and GTIN of a sale, or the parties of a
 * unit's custody, are known only where the object is built. The tag is a non-enumerable symbol: it never
 * reaches a response, and an object rebuilt elsewhere (spread, or sent through the gateway) loses it,
 * which the guarded fields read as "denied".
 */
export function attachFacts<R extends RuleName, T extends object>(value: T, rule: R, facts: FactsOfRule<R>): T {
  const tagged = value as T & Tagged;
  const existing = tagged[FACTS];
  if (existing) existing[rule] = facts as never;
  else Object.defineProperty(value, FACTS, { value: { [rule]: facts }, enumerable: false, configurable: true });
  return value;
}

/** The facts a value was tagged with for a rule, or undefined when it was not. */
export function attachedFacts<R extends RuleName>(value: object, rule: R): FactsOfRule<R> | undefined {
  return (value as Tagged)[FACTS]?.[rule] as FactsOfRule<R> | undefined;
}

/**
 * The decision for a protected field of a tagged value object; a value without the tag is refused
 * (default deny), so a producer that forgot to tag cannot leak.
 */
export function mayAccessTagged(identity: Identity, value: object, coordinate: Coordinate | RedactedCoordinate): boolean {
  const { rule } = guardOf(coordinate);
  const facts = attachedFacts(value, rule);
  if (facts === undefined) return false;
  return (RULES[rule].allows as (identity: Identity, facts: unknown) => boolean)(identity, facts);
}
