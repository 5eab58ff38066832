import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { Gs1Error, parseIdentifier } from '../gs1/index.ts';
import type { ContainerStay, StoredEvent, UnitEvent } from '../epcis/repository.ts';
import type { SourceOrDestination } from '../epcis/types.ts';
import { ATTR } from '../epcis/vocabulary.ts';
import type { Identity } from '../auth/identity.ts';
import { mayAccessTagged, withheld, type Coordinate } from '../auth/access.ts';
import type { CoreLoaders } from './loaders.ts';

export type NodeRole = 'MANUFACTURER' | 'DISTRIBUTOR' | 'DISPENSER' | 'LOGISTICS';

/** What every node's resolvers find in the request context. */
export interface NodeContext {
  node: NodeRole;
  loaders: CoreLoaders;
  /** The verified caller: every authorization decision reads it. */
  identity: Identity;
}

export interface PartyValue {
  gln: string;
  name: string | null;
  role: string | null;
  country: string | null;
}

export interface LocationValue {
  gln: string;
  extension: string | null;
  name: string | null;
  country: string | null;
  kind: string | null;
  operatedBy: PartyValue | null;
}

export const DateTime = new GraphQLScalarType<Date | string, string>({
  name: 'DateTime',
  description: 'ISO 8601 date-time in UTC',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime expects an ISO 8601 date-time, got ${String(value)}`);
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime expects a string literal');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`DateTime expects an ISO 8601 date-time, got ${ast.value}`);
    return date;
  },
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Resolves a party GLN to its master data as this node knows it (name may be null for strangers). */
export async function partyByGln(loaders: CoreLoaders, gln: string): Promise<PartyValue> {
  const row = await loaders.vocabularyByKey.load(`/417/${gln}`);
  const a = row?.attributes ?? {};
  return { gln, name: text(a[ATTR.name]), role: text(a[ATTR.partyRole]), country: text(a[ATTR.countryCode]) };
}

/** Resolves a location key (canonical /414/… form) to its master data. */
export async function locationByKey(loaders: CoreLoaders, key: string): Promise<LocationValue | null> {
  const match = /^\/414\/(\d{13})(?:\/254\/(.+))?$/.exec(key);
  if (!match) return null;
  const gln = match[1] as string;
  const row = (await loaders.vocabularyByKey.load(key)) ?? (match[2] ? await loaders.vocabularyByKey.load(`/414/${gln}`) : null);
  const a = row?.attributes ?? {};
  const operator = text(a[ATTR.operatedBy]);
  return {
    gln,
    extension: match[2] ? decodeURIComponent(match[2]) : null,
    name: text(a[ATTR.name]),
    country: text(a[ATTR.countryCode]),
    kind: text(a[ATTR.siteKind]),
    operatedBy: operator ? await partyByGln(loaders, glnOf(operator) ?? operator) : null,
  };
}

/** The GLN inside a party or location identifier in any GS1 form, or null. */
export function glnOf(identifier: string): string | null {
  const match = /^\/(?:417|414)\/(\d{13})/.exec(identifier);
  if (match) return match[1] as string;
  try {
    const id = parseIdentifier(identifier);
    return id.kind === 'pgln' || id.kind === 'sgln' ? id.gln : null;
  } catch {
    return null;
  }
}

/** The SSCC of a container key, when it is one. */
export function ssccOf(key: string): string | null {
  const match = /^\/00\/(\d{18})$/.exec(key);
  return match ? (match[1] as string) : null;
}

const EVENT_TYPE: Record<string, string> = {
  ObjectEvent: 'OBJECT_EVENT',
  AggregationEvent: 'AGGREGATION_EVENT',
  TransformationEvent: 'TRANSFORMATION_EVENT',
  TransactionEvent: 'TRANSACTION_EVENT',
  AssociationEvent: 'ASSOCIATION_EVENT',
};

async function sourceDestination(loaders: CoreLoaders, s: SourceOrDestination) {
  const isLocation = s.key.startsWith('/414/');
  const gln = glnOf(s.key);
  return {
    type: s.type,
    id: s.id,
    party: gln && !isLocation ? await partyByGln(loaders, gln) : null,
    location: isLocation ? await locationByKey(loaders, s.key) : null,
  };
}

export interface SourceDestinationValue {
  type: string;
  id: string;
  party: PartyValue | null;
  location: LocationValue | null;
}

/** A CustodyEvent as the GraphQL type spells it: the shape every node returns and the merge reads. */
export interface CustodyEventValue {
  eventID: string;
  eventType: string;
  eventTime: string;
  eventTimeZoneOffset: string;
  recordTime: string;
  node: NodeRole;
  recordedBy: PartyValue;
  action: string | null;
  bizStep: string | null;
  disposition: string | null;
  readPoint: LocationValue | null;
  bizLocation: LocationValue | null;
  via: string | null;
  sources: SourceDestinationValue[];
  destinations: SourceDestinationValue[];
  bizTransactions: Array<{ type: string | null; id: string }>;
  /**
   * Loaded only when a query asks for it (one batched statement per request). Absent on events another
   * node sent through @requires without this field; read as none.
   */
  anomalies?: EventAnomalyValue[] | (() => Promise<EventAnomalyValue[]>);
}

export interface EventAnomalyValue {
  code: string;
  message: string;
  eventIDs: string[];
}

export interface ContainerStayValue {
  sscc: string | null;
  key: string;
  depth: number;
  from: string;
  to: string | null;
  node: NodeRole;
}

/** Resolves a stored event into its GraphQL shape; party and location look-ups go through the loaders. */
export async function presentEvent(ctx: NodeContext, e: UnitEvent): Promise<CustodyEventValue> {
  const [recordedBy, readPoint, bizLocation, sources, destinations] = await Promise.all([
    partyByGln(ctx.loaders, e.owner),
    e.readPoint ? locationByKey(ctx.loaders, e.readPoint) : null,
    e.bizLocation ? locationByKey(ctx.loaders, e.bizLocation) : null,
    Promise.all(e.sources.map((s) => sourceDestination(ctx.loaders, s))),
    Promise.all(e.destinations.map((s) => sourceDestination(ctx.loaders, s))),
  ]);
  return {
    eventID: e.eventId,
    eventType: EVENT_TYPE[e.eventType] ?? 'OBJECT_EVENT',
    eventTime: e.eventTime.toISOString(),
    eventTimeZoneOffset: e.eventTimeZoneOffset,
    recordTime: e.recordTime.toISOString(),
    node: ctx.node,
    recordedBy,
    action: e.action,
    bizStep: e.bizStep,
    disposition: e.disposition,
    readPoint,
    bizLocation,
    via: e.viaKey ? (ssccOf(e.viaKey) ?? e.viaKey) : null,
    sources,
    destinations,
    bizTransactions: e.bizTransactions.map((b) => ({ type: b.type ?? null, id: b.id })),
    anomalies: async () =>
      (await ctx.loaders.anomaliesByEventPk.load(e.pk)).map((a) => ({ code: a.code, message: a.message, eventIDs: a.eventIds })),
  };
}

export function presentContainer(ctx: NodeContext, c: ContainerStay): ContainerStayValue {
  return {
    sscc: ssccOf(c.containerKey),
    key: c.containerKey,
    depth: c.depth,
    from: c.validFrom.toISOString(),
    to: c.validTo ? c.validTo.toISOString() : null,
    node: ctx.node,
  };
}

/**
 * Every partner GLN a node's stored events name: who recorded each, and the parties (not locations) it
 * came from and went to. The same set partiesInvolved reads from presented events; for a field a node
 * answers from its own records only.
 */
export function storedEventParties(events: readonly StoredEvent[]): Set<string> {
  const glns = new Set<string>();
  for (const e of events) {
    glns.add(e.owner);
    for (const s of [...e.sources, ...e.destinations]) {
      const gln = s.key.startsWith('/414/') ? null : glnOf(s.key);
      if (gln) glns.add(gln);
    }
  }
  return glns;
}

/** A field of a tagged value object (Sale, Signal, PackStatus), answered only when the access table allows it. */
function guarded<T extends object, K extends keyof T & string>(type: string, field: K) {
  const coordinate = `${type}.${field}` as Coordinate;
  return (value: T, _: unknown, ctx: NodeContext): T[K] => {
    if (!mayAccessTagged(ctx.identity, value, coordinate)) throw withheld(coordinate);
    return value[field];
  };
}

interface SaleTerms {
  invoice: string | null;
  purchaseOrder: string | null;
  unitPrice: number | null;
  currency: string | null;
}

interface SignalValue {
  code: string;
  message: string;
  eventIDs: string[];
  partners: PartyValue[];
}

interface PackStatusParties {
  by: PartyValue | null;
  eventID: string | null;
}

interface DispenseUndoParty {
  by: PartyValue | null;
}

/** What each signal means, without the partners, dates and events its full message names. */
const SIGNAL_MEANING: Record<string, string> = {
  NOT_COMMISSIONED: "the GTIN's manufacturer never commissioned this serial: a pack carrying it is likely counterfeit",
  CLONE_DISPENSED_TWICE: 'the serial was dispensed more than once: at least one pack is a copy',
  CLONE_TWO_CUSTODIANS: 'the serial was physically at two custodians at once',
  LOT_MISMATCH: 'the lot does not match the commissioning record',
  EXPIRY_MISMATCH: 'the expiry date does not match the commissioning record',
  CUSTODY_BREAK: "the unit's records show a break in custody",
  REAPPEARED_AFTER_DISPENSE: 'the pack was dispensed, yet appears again',
  REAPPEARED_AFTER_DESTRUCTION: 'the pack was destroyed, yet appears again',
  REAPPEARED_AFTER_THEFT: 'the pack was reported stolen, yet appears again',
  SOLD_AFTER_EXPIRY: 'the pack was sold after its expiry date',
  DISPENSED_AFTER_EXPIRY: 'the pack was dispensed after its expiry date',
  SOLD_AFTER_RECALL: 'the pack was sold after its lot was recalled',
  DISPENSED_AFTER_RECALL: 'the pack was dispensed after its lot was recalled',
  SOLD_TO_UNAUTHORIZED_BUYER: 'the pack was sold to a buyer that is neither an authorized distributor nor a licensed buyer',
  SOLD_BY_UNAUTHORIZED_SELLER: 'the pack was sold by a seller that is not an authorized distributor of the product',
  TEMPERATURE_EXCURSION: "a carrier recorded temperatures outside the product's storage conditions while it had the pack",
  HUMIDITY_EXCURSION: "a carrier recorded humidity above the product's storage conditions while it had the pack",
};

/** A signal's message for a caller that may not see the unit's custody: its meaning, and where the evidence is. */
export function redactedSignalMessage(code: string): string {
  const meaning = SIGNAL_MEANING[code] ?? `signal ${code}`;
  return `${meaning} (the partners, dates and events behind it are custody data: see Signal.eventIDs)`;
}

/** Resolvers for the shared value types; every node mounts them (a node without the type ignores them). */
export const sharedResolvers = {
  DateTime,
  CustodyEvent: {
    // Events merged in from another node's @requires data carry no anomalies field.
    anomalies: (event: CustodyEventValue) =>
      typeof event.anomalies === 'function' ? event.anomalies() : (event.anomalies ?? []),
  },
  // Sales terms: the producer tags each sale with its GTIN, seller and buyer (attachFacts 'prices').
  Sale: {
    unitPrice: guarded<SaleTerms, 'unitPrice'>('Sale', 'unitPrice'),
    currency: guarded<SaleTerms, 'currency'>('Sale', 'currency'),
    invoice: guarded<SaleTerms, 'invoice'>('Sale', 'invoice'),
    purchaseOrder: guarded<SaleTerms, 'purchaseOrder'>('Sale', 'purchaseOrder'),
  },
  // Signal evidence: the producer tags each signal with the unit's custody facts (attachFacts 'custody').
  Signal: {
    eventIDs: guarded<SignalValue, 'eventIDs'>('Signal', 'eventIDs'),
    partners: guarded<SignalValue, 'partners'>('Signal', 'partners'),
    message: (signal: SignalValue, _: unknown, ctx: NodeContext) =>
      mayAccessTagged(ctx.identity, signal, 'Signal.message') ? signal.message : redactedSignalMessage(signal.code),
  },
  // Who set a pack's state, and the event: the producer tags the status and its undo with the unit's
  // custody facts (attachFacts 'custody'). The state, reason, date and undo window stay public.
  PackStatus: {
    by: guarded<PackStatusParties, 'by'>('PackStatus', 'by'),
    eventID: guarded<PackStatusParties, 'eventID'>('PackStatus', 'eventID'),
  },
  DispenseUndo: {
    by: guarded<DispenseUndoParty, 'by'>('DispenseUndo', 'by'),
  },
};

/** What this node knows of a subject's custody: its events and container stays, through the loaders. */
export async function nodeCustody(ctx: NodeContext, subjectKey: string) {
  const [events, containers] = await Promise.all([
    ctx.loaders.eventsBySubjectKey.load(subjectKey),
    ctx.loaders.containersBySubjectKey.load(subjectKey),
  ]);
  return {
    node: ctx.node,
    events: await Promise.all(events.map((e) => presentEvent(ctx, e))),
    containers: containers.map((c) => presentContainer(ctx, c)),
  };
}

/** Turns a GS1 parsing failure into a GraphQL error a client can show as it is. */
export function badUserInput(error: unknown, argument: string): never {
  if (error instanceof Gs1Error) {
    throw new GraphQLError(error.message, {
      extensions: { code: 'BAD_USER_INPUT', argumentName: argument, part: error.part, reason: error.reason },
    });
  }
  throw error;
}
