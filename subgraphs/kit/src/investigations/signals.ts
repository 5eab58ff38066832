/**
 * Suspect and counterfeit signals for one serialized unit, and its pack status in EU FMD terms.
 * Pure functions over the merged custody chain (every node's events), the manufacturer's commissioning
 * records, its recall of the lot and its trading partner authorizations. Every signal names the events
 * and partners that show it, so an investigator can defend it.
 */
import type { CustodyChain } from '../custody/chain.ts';
import type { CustodyEventValue, PartyValue } from '../graphql/resolvers.ts';
import type { AdditionalInfo, VerificationFailureReason } from './lms.ts';
import { isAuthorized, type TradingRules } from './prices.ts';
import { vocabularyWord } from './positions.ts';
import type { RecallRecord } from './recall.ts';

export type SignalCode =
  | 'NOT_COMMISSIONED'
  | 'CLONE_DISPENSED_TWICE'
  | 'CLONE_TWO_CUSTODIANS'
  | 'LOT_MISMATCH'
  | 'EXPIRY_MISMATCH'
  | 'CUSTODY_BREAK'
  | 'REAPPEARED_AFTER_DISPENSE'
  | 'REAPPEARED_AFTER_DESTRUCTION'
  | 'REAPPEARED_AFTER_THEFT'
  | 'SOLD_AFTER_EXPIRY'
  | 'DISPENSED_AFTER_EXPIRY'
  | 'SOLD_AFTER_RECALL'
  | 'DISPENSED_AFTER_RECALL'
  | 'SOLD_TO_UNAUTHORIZED_BUYER'
  | 'SOLD_BY_UNAUTHORIZED_SELLER'
  | 'TEMPERATURE_EXCURSION'
  | 'HUMIDITY_EXCURSION';

/**
 * ILLEGITIMATE: credible evidence the pack must not be in trade (a copy exists, it was stolen or
 * destroyed). SUSPECT: reason to believe it may be counterfeit or diverted. COMPLIANCE: supplied when
 * it should not have been (expired, recalled), or kept outside its storage conditions.
 */
export type SignalSeverity = 'ILLEGITIMATE' | 'SUSPECT' | 'COMPLIANCE';

export interface Signal {
  code: SignalCode;
  severity: SignalSeverity;
  message: string;
  eventIDs: string[];
  /** GLNs of the partners involved. */
  partners: string[];
}

/** A commissioning record of the serial: when, by whom, and the lot and expiry its ILMD gave. */
export interface CommissioningRecord {
  eventID: string;
  eventTime: string;
  owner: string;
  lot: string | null;
  expiry: string | null;
}

/**
 * A run of a carrier's readings outside the product's storage conditions, as the logistics node reports
 * it (TemperatureExcursion, through @requires).
 */
export interface ExcursionEvidence {
  kind: 'ABOVE_MAX_TEMPERATURE' | 'BELOW_MIN_TEMPERATURE' | 'ABOVE_MAX_RELATIVE_HUMIDITY';
  limit: number;
  extreme: number;
  uom: string;
  startedAt: string;
  endedAt: string;
  durationMinutes: number;
  readings: number;
  sscc: string | null;
  carrier: PartyValue;
  eventIDs: string[];
}

export interface SignalInput {
  gtin: string;
  serial: string;
  /** GLN of the GTIN's manufacturer when it is on the network; null when no node answers for the GTIN. */
  manufacturer: string | null;
  commissioning: readonly CommissioningRecord[];
  chain: CustodyChain;
  recall: RecallRecord | null;
  /** What a verifier or scanner read on the pack. */
  presented?: { lot?: string | null; expiry?: string | null };
  /** The manufacturer's trading partner authorizations; absent or empty means there is nothing to judge by. */
  rules?: TradingRules | null;
  /** Excursions outside the product's storage conditions while carriers had the pack. */
  excursions?: readonly ExcursionEvidence[];
}

const DAY = 86_400_000;

export const isSaleEvent = (e: CustodyEventValue) =>
  (e.bizStep === 'shipping' || e.bizStep === 'departing') && e.bizTransactions.some((b) => b.type === 'inv');
export const isDispenseEvent = (e: CustodyEventValue) =>
  e.disposition === 'dispensed' || (e.bizStep === 'dispensing' && e.disposition !== 'partially_dispensed');

type Terminal = 'DISPENSE' | 'DESTRUCTION' | 'THEFT';
function terminalKind(e: CustodyEventValue): Terminal | null {
  if (isDispenseEvent(e)) return 'DISPENSE';
  if (e.disposition === 'destroyed' || e.bizStep === 'destroying') return 'DESTRUCTION';
  if (e.disposition === 'stolen') return 'THEFT';
  return null;
}

const counterparty = (list: CustodyEventValue['destinations']): PartyValue | null =>
  list.find((s) => s.type === 'owning_party' && s.party)?.party ?? list.find((s) => s.type === 'possessing_party' && s.party)?.party ?? null;

/** True when `day` (YYYY-MM-DD) is after the expiry date (the pack may be used up to and including that day). */
export function isAfterExpiry(instant: string, expiry: string | null): boolean {
  return expiry !== null && instant.slice(0, 10) > expiry;
}

/** Finds every signal in a unit's records. The clean path from manufacturer to patient yields none. */
export function detectSignals(input: SignalInput): Signal[] {
  const { chain } = input;
  const events = chain.events;
  const names = new Map<string, string>();
  const remember = (p: PartyValue | null | undefined) => {
    if (p?.name && !names.has(p.gln)) names.set(p.gln, p.name);
  };
  for (const e of events) {
    remember(e.recordedBy);
    for (const s of [...e.sources, ...e.destinations]) remember(s.party);
  }
  const label = (gln: string) => (names.has(gln) ? `${names.get(gln)} (GLN ${gln})` : `GLN ${gln}`);
  const day = (instant: string) => instant.slice(0, 10);
  const signals: Signal[] = [];
  const partnersOf = (list: readonly CustodyEventValue[], extra: readonly (string | null)[] = []) => [
    ...new Set([...extra.filter((g): g is string => g !== null), ...list.map((e) => e.recordedBy.gln)]),
  ];

  // 1. Never commissioned by the GTIN's manufacturer.
  if (input.commissioning.length === 0 && input.manufacturer !== null) {
    signals.push({
      code: 'NOT_COMMISSIONED',
      severity: 'SUSPECT',
      message:
        `${label(input.manufacturer)} never commissioned serial ${input.serial} of GTIN ${input.gtin}: a pack carrying it is likely counterfeit` +
        (events.length > 0
          ? `; yet ${events.length} event(s) by ${partnersOf(events).map(label).join(', ')} name it`
          : ''),
      eventIDs: events.map((e) => e.eventID),
      partners: partnersOf(events, [input.manufacturer]),
    });
  }

  // 2. Lot or expiry that does not match the commissioning record.
  const primary = input.commissioning[0] ?? null;
  const mismatch = (field: 'lot' | 'expiry', code: SignalCode, what: string) => {
    const values = [...new Set(input.commissioning.map((c) => c[field]).filter((v): v is string => v !== null))];
    if (values.length > 1) {
      signals.push({
        code,
        severity: 'SUSPECT',
        message: `serial ${input.serial} was commissioned more than once with different ${what}s: ${input.commissioning
          .map((c) => `${c[field] ?? 'none'} (event ${c.eventID})`)
          .join(', ')}`,
        eventIDs: input.commissioning.map((c) => c.eventID),
        partners: [...new Set(input.commissioning.map((c) => c.owner))],
      });
    }
    const shown = input.presented?.[field];
    if (shown && primary && primary[field] !== null && !input.commissioning.some((c) => c[field] === shown)) {
      signals.push({
        code,
        severity: 'SUSPECT',
        message: `the pack shows ${what} ${shown}, but serial ${input.serial} was commissioned with ${what} ${primary[field]}`,
        eventIDs: [primary.eventID],
        partners: [primary.owner],
      });
    }
  };
  mismatch('lot', 'LOT_MISMATCH', 'lot');
  mismatch('expiry', 'EXPIRY_MISMATCH', 'expiry date');

  // 3. Clones: the same serial dispensed twice.
  const dispenses = events.filter(isDispenseEvent);
  if (dispenses.length > 1) {
    signals.push({
      code: 'CLONE_DISPENSED_TWICE',
      severity: 'ILLEGITIMATE',
      message: `serial ${input.serial} was dispensed ${dispenses.length} times: ${dispenses
        .map((e) => `by ${label(e.recordedBy.gln)} on ${day(e.eventTime)}`)
        .join(', ')}; at least one pack is a copy`,
      eventIDs: dispenses.map((e) => e.eventID),
      partners: partnersOf(dispenses),
    });
  }

  // 4. A pack dispensed, destroyed or stolen that appears again. Only events naming the unit itself
  // count: a case that still lists a dispensed unit is not the unit coming back.
  const explained = new Set<string>();
  const firstTerminal = events.findIndex((e) => terminalKind(e) !== null);
  if (firstTerminal >= 0) {
    const t = events[firstTerminal] as CustodyEventValue;
    const kind = terminalKind(t) as Terminal;
    const after = events.slice(firstTerminal + 1).filter((e) => e.via === null && e.eventID !== t.eventID);
    if (after.length > 0) {
      const words = { DISPENSE: 'dispensed', DESTRUCTION: 'destroyed', THEFT: 'reported stolen' }[kind];
      signals.push({
        code: `REAPPEARED_AFTER_${kind}` as SignalCode,
        severity: kind === 'DISPENSE' ? 'SUSPECT' : 'ILLEGITIMATE',
        message:
          `the pack was ${words} by ${label(t.recordedBy.gln)} on ${day(t.eventTime)}, yet appears again: ` +
          after.map((e) => `${e.bizStep ?? 'an event'} by ${label(e.recordedBy.gln)} on ${day(e.eventTime)}`).join(', '),
        eventIDs: [t.eventID, ...after.map((e) => e.eventID)],
        partners: partnersOf([t, ...after]),
      });
      for (const e of after) explained.add(e.eventID);
    }
  }

  // 5. Breaks in custody, from the merged chain.
  for (const b of chain.breaks) {
    if (b.code === 'TWO_CUSTODIANS') {
      if (b.eventIDs.some((id) => explained.has(id))) continue;
      signals.push({ code: 'CLONE_TWO_CUSTODIANS', severity: 'SUSPECT', message: `physically at two custodians at once: ${b.message}`, eventIDs: b.eventIDs, partners: b.partners });
    } else {
      signals.push({ code: 'CUSTODY_BREAK', severity: 'SUSPECT', message: b.message, eventIDs: b.eventIDs, partners: b.partners });
    }
  }

  // 6. Sold or dispensed after expiry, or after the lot was recalled.
  const sales = events.filter(isSaleEvent);
  const expiry = primary?.expiry ?? null;
  const late = (
    list: readonly CustodyEventValue[],
    code: SignalCode,
    verb: string,
    cutoff: (e: CustodyEventValue) => boolean,
    why: string,
    extra: { eventIDs: string[]; partners: string[] },
  ) => {
    const hits = list.filter(cutoff);
    if (hits.length === 0) return;
    signals.push({
      code,
      severity: 'COMPLIANCE',
      message: `${verb} ${why}: ${hits
        .map((e) => {
          const to = verb === 'sold' ? counterparty(e.destinations) : null;
          return `by ${label(e.recordedBy.gln)}${to ? ` to ${label(to.gln)}` : ''} on ${day(e.eventTime)}`;
        })
        .join(', ')}`,
      eventIDs: [...extra.eventIDs, ...hits.map((e) => e.eventID)],
      partners: [...new Set([...extra.partners, ...partnersOf(hits)])],
    });
  };
  if (expiry && primary) {
    const afterExpiry = (e: CustodyEventValue) => isAfterExpiry(e.eventTime, expiry);
    const evidence = { eventIDs: [primary.eventID], partners: [primary.owner] };
    late(sales, 'SOLD_AFTER_EXPIRY', 'sold', afterExpiry, `after its expiry date ${expiry}`, evidence);
    late(dispenses, 'DISPENSED_AFTER_EXPIRY', 'dispensed', afterExpiry, `after its expiry date ${expiry}`, evidence);
  }
  if (input.recall) {
    const recall = input.recall;
    const afterRecall = (e: CustodyEventValue) => Date.parse(e.eventTime) > Date.parse(recall.recalledAt);
    const evidence = { eventIDs: [recall.eventID], partners: [recall.recalledBy] };
    const why = `after lot ${recall.lot} was recalled on ${day(recall.recalledAt)}`;
    late(sales, 'SOLD_AFTER_RECALL', 'sold', afterRecall, why, evidence);
    late(dispenses, 'DISPENSED_AFTER_RECALL', 'dispensed', afterRecall, why, evidence);
  }

  // 7. Sales outside the authorized chain.
  if (input.rules && input.rules.partners.length > 0) {
    const rules = input.rules;
    for (const e of sales) {
      const seller = e.recordedBy.gln;
      const buyer = counterparty(e.destinations);
      if (isAuthorized(rules, seller, input.gtin, day(e.eventTime), 'seller') === false) {
        signals.push({
          code: 'SOLD_BY_UNAUTHORIZED_SELLER',
          severity: 'SUSPECT',
          message: `${label(seller)} sold the pack on ${day(e.eventTime)} but is not an authorized distributor of the product`,
          eventIDs: [e.eventID],
          partners: [seller, ...(buyer ? [buyer.gln] : [])],
        });
      }
      if (buyer && isAuthorized(rules, buyer.gln, input.gtin, day(e.eventTime), 'buyer') === false) {
        signals.push({
          code: 'SOLD_TO_UNAUTHORIZED_BUYER',
          severity: 'SUSPECT',
          message: `${label(seller)} sold the pack on ${day(e.eventTime)} to ${label(buyer.gln)}, which is neither an authorized distributor nor a licensed buyer: it left the authorized chain`,
          eventIDs: [e.eventID],
          partners: [seller, buyer.gln],
        });
      }
    }
  }
  // 8. Kept outside its storage conditions in transit. A quality matter, not a sign of falsification:
  // COMPLIANCE, so a verification does not answer "Suspect" (which tells a pharmacist the pack may be
  // falsified); GDP asks for the pack's quarantine and a documented assessment before it is supplied.
  for (const x of input.excursions ?? []) {
    remember(x.carrier);
    signals.push({
      code: x.kind === 'ABOVE_MAX_RELATIVE_HUMIDITY' ? 'HUMIDITY_EXCURSION' : 'TEMPERATURE_EXCURSION',
      severity: 'COMPLIANCE',
      message: excursionMessage(x, label(x.carrier.gln)),
      eventIDs: x.eventIDs,
      partners: [x.carrier.gln],
    });
  }
  return signals;
}

const EXCURSION_WORDS: Record<ExcursionEvidence['kind'], string> = {
  ABOVE_MAX_TEMPERATURE: 'above its maximum storage temperature',
  BELOW_MIN_TEMPERATURE: 'below its minimum storage temperature',
  ABOVE_MAX_RELATIVE_HUMIDITY: 'above its maximum storage humidity',
};

/** "kept above its maximum storage temperature of 25 °C: up to 31 °C for 40 minutes from 2026-04-09 11:00 UTC, in case 3…, carried by …". */
function excursionMessage(x: ExcursionEvidence, carrier: string): string {
  const unit = x.uom === 'CEL' ? ' °C' : x.uom === 'P1' ? ' % RH' : ` ${x.uom}`;
  const when = `${x.startedAt.slice(0, 10)} ${x.startedAt.slice(11, 16)} UTC`;
  return (
    `kept ${EXCURSION_WORDS[x.kind]} of ${x.limit}${unit}: ${x.kind === 'BELOW_MIN_TEMPERATURE' ? 'down' : 'up'} to ${x.extreme}${unit} ` +
    `for ${x.durationMinutes} minutes from ${when} (${x.readings} reading${x.readings === 1 ? '' : 's'})` +
    `${x.sscc ? `, in container ${x.sscc}` : ''}, carried by ${carrier}`
  );
}

/** Pack states of the EU Falsified Medicines Directive repositories (Delegated Regulation (EU) 2016/161). */
export type PackState =
  | 'ACTIVE'
  | 'SUPPLIED'
  | 'DESTROYED'
  | 'STOLEN'
  | 'EXPORTED'
  | 'SAMPLE'
  | 'FREE_SAMPLE'
  | 'LOCKED'
  | 'DECOMMISSIONED'
  | 'UNKNOWN';

export interface DispenseUndo {
  possible: boolean;
  /** The end of the ten days in which the dispense may be reverted. */
  deadline: string;
  /** GLN of the dispenser: only it may revert the dispense. */
  by: string;
  /** Why it cannot be undone, when it cannot. */
  reason: string | null;
}

export interface PackStatusValue {
  state: PackState;
  active: boolean;
  /** The disposition or step that set the state (dispensed, destroyed, stolen, exported, …). */
  reason: string | null;
  since: string | null;
  /** GLN of the partner whose event set the state. */
  by: string | null;
  eventID: string | null;
  /** For SUPPLIED: whether the dispense can still be undone. */
  undo: DispenseUndo | null;
}

const STATE_BY_WORD: Record<string, PackState> = {
  dispensed: 'SUPPLIED',
  partially_dispensed: 'SUPPLIED',
  destroyed: 'DESTROYED',
  stolen: 'STOLEN',
  exported: 'EXPORTED',
  sample: 'SAMPLE',
  free_sample: 'FREE_SAMPLE',
  expired: 'DECOMMISSIONED',
  inactive: 'DECOMMISSIONED',
  disposed: 'DECOMMISSIONED',
};

/** Days within which a decommissioned pack may be reverted to active (Delegated Regulation (EU) 2016/161, Art. 13). */
export const UNDO_DAYS = 10;

function stateOf(e: CustodyEventValue): PackState | null {
  if (e.bizStep === 'dispensing' && !e.disposition) return 'SUPPLIED';
  if (e.bizStep === 'destroying' && !e.disposition) return 'DESTROYED';
  if (e.disposition) {
    const word = e.disposition.startsWith('http') ? vocabularyWord(e.disposition) : e.disposition;
    if (word === 'locked') return 'LOCKED';
    return STATE_BY_WORD[word] ?? null;
  }
  if (e.bizStep === 'decommissioning') return 'DECOMMISSIONED';
  return null;
}

export interface PackStatusInput {
  chain: CustodyChain;
  commissioned: boolean;
  expiry: string | null;
  recall: RecallRecord | null;
  now: Date;
  /** GLN of the party asking (a verification's reqGLN): only the dispenser itself may undo a dispense. */
  requester?: string | null;
}

/**
 * The pack's state as an EU FMD repository would hold it (UNKNOWN for a serial never commissioned,
 * whatever partners recorded about it). A decommissioning is final: the first one
 * decides (a second dispense of the serial is a copy, not a new state), except that a locked pack is
 * unlocked by a later event that makes it active again.
 */
export function packStatusOf(input: PackStatusInput): PackStatusValue {
  const events = input.chain.events;
  // A repository holds only what the manufacturer uploaded: a serial never commissioned has no state.
  if (!input.commissioned) {
    return { state: 'UNKNOWN', active: false, reason: null, since: null, by: null, eventID: null, undo: null };
  }
  const terminal = events.find((e) => {
    const s = stateOf(e);
    return s !== null && s !== 'LOCKED';
  });
  if (terminal) {
    const state = stateOf(terminal) as PackState;
    const reason = terminal.disposition ? vocabularyWord(terminal.disposition) : (terminal.bizStep ?? null);
    return {
      state,
      active: false,
      reason,
      since: terminal.eventTime,
      by: terminal.recordedBy.gln,
      eventID: terminal.eventID,
      undo: state === 'SUPPLIED' ? undoOf(terminal, input) : null,
    };
  }
  const last = [...events].reverse().find((e) => e.disposition) ?? events[events.length - 1] ?? null;
  const locked = last ? stateOf(last) === 'LOCKED' : false;
  return {
    state: locked ? 'LOCKED' : 'ACTIVE',
    active: !locked,
    reason: last?.disposition ? vocabularyWord(last.disposition) : null,
    since: last?.eventTime ?? null,
    by: last?.recordedBy.gln ?? null,
    eventID: last?.eventID ?? null,
    undo: null,
  };
}

function undoOf(dispense: CustodyEventValue, input: PackStatusInput): DispenseUndo {
  const deadline = new Date(Date.parse(dispense.eventTime) + UNDO_DAYS * DAY).toISOString();
  const by = dispense.recordedBy.gln;
  const reasons: string[] = [];
  if (input.now.getTime() > Date.parse(deadline)) {
    reasons.push(`more than ${UNDO_DAYS} days have passed since the dispense on ${dispense.eventTime.slice(0, 10)}`);
  }
  if (isAfterExpiry(input.now.toISOString(), input.expiry)) reasons.push(`the pack expired on ${input.expiry}`);
  if (input.recall) reasons.push(`its lot was recalled on ${input.recall.recalledAt.slice(0, 10)}`);
  // The reason is public (any verifier reads it); who dispensed is custody data, named in `by` only.
  if (input.requester && input.requester !== by) reasons.push('only the partner that dispensed it may undo the dispense');
  return { possible: reasons.length === 0, deadline, by, reason: reasons.length > 0 ? reasons.join('; ') : null };
}

export interface VerificationOutcomeInput {
  /** What the verifier presented: the lot and expiry on the pack (null when not given). */
  lot: string | null;
  expiry: string | null;
  commissioning: readonly CommissioningRecord[];
  /** Null when only the manufacturer's own records were consulted (no signals computed). */
  signals: readonly Signal[] | null;
  pack: PackStatusValue | null;
  recall: RecallRecord | null;
  now: Date;
}

export interface VerificationOutcome {
  verified: boolean;
  verificationFailureReason: VerificationFailureReason | null;
  /** The most important additional information first: Illegitimate, Recalled, Suspect, Expired. */
  additionalInfo: AdditionalInfo[];
}

/**
 * The verification answer: the product identifier matches a commissioned pack (GTIN + serial, and the
 * lot and expiry when given), plus what else the verifier must know about the pack.
 */
export function verificationOutcome(input: VerificationOutcomeInput): VerificationOutcome {
  const info = new Set<AdditionalInfo>();
  const signals = input.signals ?? [];
  if (signals.some((s) => s.severity === 'ILLEGITIMATE') || input.pack?.state === 'STOLEN' || input.pack?.state === 'DESTROYED') {
    info.add('Illegitimate');
  }
  if (input.recall) info.add('Recalled');
  if (signals.some((s) => s.severity === 'SUSPECT')) info.add('Suspect');
  const expiry = input.commissioning[0]?.expiry ?? null;
  if (isAfterExpiry(input.now.toISOString(), expiry)) info.add('Expired');
  const additionalInfo = ADDITIONAL_INFO_ORDER.filter((i) => info.has(i));

  if (input.commissioning.length === 0) return { verified: false, verificationFailureReason: 'No_match_GTIN_Serial', additionalInfo };
  const lotOk = input.lot === null || input.commissioning.some((c) => c.lot === input.lot);
  const expiryOk = input.expiry === null || input.commissioning.some((c) => c.expiry === input.expiry);
  const reason: VerificationFailureReason | null =
    !lotOk && !expiryOk
      ? 'No_match_GTIN_Serial_Lot_Expiry'
      : !lotOk
        ? 'No_match_GTIN_Serial_Lot'
        : !expiryOk
          ? 'No_match_GTIN_Serial_Expiry'
          : null;
  return { verified: reason === null, verificationFailureReason: reason, additionalInfo };
}

const ADDITIONAL_INFO_ORDER: AdditionalInfo[] = ['Illegitimate', 'Recalled', 'Suspect', 'Expired'];
