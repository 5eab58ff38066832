import { describe, expect, it } from 'vitest';
import { buildCustodyChain } from '../custody/chain.ts';
import type { CustodyEventValue, NodeRole } from '../graphql/resolvers.ts';
import { detectSignals, packStatusOf, verificationOutcome, type CommissioningRecord, type ExcursionEvidence, type SignalInput } from './signals.ts';
import type { RecallRecord } from './recall.ts';
import type { TradingRules } from './prices.ts';

const M = '4061234000002';
const NORTHLINE = '4012345000009';
const LINDEN = '4034567000001';
const ROSEN = '4056789000003';
const ELBE = '4067890000004';
const names: Record<string, string> = { [M]: 'Meridian', [NORTHLINE]: 'Northline', [LINDEN]: 'Linden', [ROSEN]: 'Rosen', [ELBE]: 'Elbe' };
const node: Record<string, NodeRole> = { [M]: 'MANUFACTURER', [NORTHLINE]: 'DISTRIBUTOR', [LINDEN]: 'DISPENSER', [ROSEN]: 'DISPENSER' };
const party = (gln: string) => ({ gln, name: names[gln] ?? null, role: null, country: 'DE' });

let n = 0;
function event(by: string, at: string, fields: Partial<CustodyEventValue> & { to?: string; from?: string; inv?: boolean } = {}): CustodyEventValue {
  const { to, from, inv, ...rest } = fields;
  n += 1;
  return {
    eventID: `urn:uuid:e-${n}`,
    eventType: 'OBJECT_EVENT',
    eventTime: `${at}T10:00:00.000Z`,
    eventTimeZoneOffset: '+00:00',
    recordTime: `${at}T10:00:00.000Z`,
    node: node[by] ?? 'DISTRIBUTOR',
    recordedBy: party(by),
    action: 'OBSERVE',
    bizStep: null,
    disposition: null,
    readPoint: null,
    bizLocation: null,
    via: null,
    sources: from ? [{ type: 'owning_party', id: from, party: party(from), location: null }] : [],
    destinations: to ? [{ type: 'owning_party', id: to, party: party(to), location: null }] : [],
    bizTransactions: inv ? [{ type: 'inv', id: `inv-${n}` }] : [],
    ...rest,
  };
}

const commissioning: CommissioningRecord = { eventID: 'urn:uuid:commission', eventTime: '2026-02-02T08:00:00.000Z', owner: M, lot: 'L1', expiry: '2028-01-31' };

/** The clean path: commissioned, shipped to Northline, on to Linden, dispensed. */
function cleanPath() {
  return [
    event(M, '2026-02-02', { bizStep: 'commissioning', disposition: 'active', action: 'ADD' }),
    event(M, '2026-03-01', { bizStep: 'shipping', disposition: 'in_transit', to: NORTHLINE, inv: true }),
    event(NORTHLINE, '2026-03-02', { bizStep: 'receiving', from: M }),
    event(NORTHLINE, '2026-03-10', { bizStep: 'shipping', disposition: 'in_transit', to: LINDEN, inv: true }),
    event(LINDEN, '2026-03-11', { bizStep: 'receiving', from: NORTHLINE }),
    event(LINDEN, '2026-03-12', { bizStep: 'dispensing', disposition: 'dispensed', action: 'DELETE' }),
  ];
}

const rules: TradingRules = {
  priceList: [],
  partners: [
    { id: 'a1', publisher: M, partner: NORTHLINE, authorization: 'distributor', licence: null, region: 'DE', validFrom: null, validTo: null, gtins: null },
    { id: 'a2', publisher: M, partner: LINDEN, authorization: 'licensed_buyer', licence: null, region: 'DE', validFrom: null, validTo: null, gtins: null },
    { id: 'a3', publisher: M, partner: ROSEN, authorization: 'licensed_buyer', licence: null, region: 'DE', validFrom: null, validTo: null, gtins: null },
  ],
};

function input(events: CustodyEventValue[], extra: Partial<SignalInput> = {}): SignalInput {
  return {
    gtin: '04061234100016',
    serial: 'S1',
    manufacturer: M,
    commissioning: [commissioning],
    chain: buildCustodyChain([events]),
    recall: null,
    rules,
    ...extra,
  };
}

const codes = (i: SignalInput) => detectSignals(i).map((s) => s.code);

describe('detectSignals', () => {
  it('finds nothing on the clean path from manufacturer to patient', () => {
    expect(detectSignals(input(cleanPath()))).toEqual([]);
  });

  it('flags a serial its manufacturer never commissioned, with the events that name it', () => {
    const seen = event(ROSEN, '2026-05-01', { bizStep: 'dispensing', disposition: 'dispensed' });
    const [signal, ...rest] = detectSignals(input([seen], { commissioning: [] }));
    expect(rest).toEqual([]);
    expect(signal).toMatchObject({ code: 'NOT_COMMISSIONED', severity: 'SUSPECT', eventIDs: [seen.eventID], partners: [M, ROSEN] });
    expect(signal!.message).toMatch(/likely counterfeit/);
    // A GTIN no manufacturer on the network answers for: nothing to say.
    expect(codes(input([], { commissioning: [], manufacturer: null }))).toEqual([]);
  });

  it('flags a clone dispensed at two pharmacies, and the second dispense as a reappearance', () => {
    const events = cleanPath();
    const copy = event(ROSEN, '2026-05-20', { bizStep: 'dispensing', disposition: 'dispensed', action: 'DELETE' });
    const signals = detectSignals(input([...events, copy]));
    expect(signals.map((s) => s.code).sort()).toEqual(['CLONE_DISPENSED_TWICE', 'REAPPEARED_AFTER_DISPENSE']);
    const clone = signals.find((s) => s.code === 'CLONE_DISPENSED_TWICE')!;
    expect(clone.severity).toBe('ILLEGITIMATE');
    expect(clone.eventIDs).toEqual([events[5]!.eventID, copy.eventID]);
    expect(clone.partners).toEqual([LINDEN, ROSEN]);
    expect(clone.message).toContain('Rosen');
  });

  it('reports a stolen pack received again as a custody break and a reappearance, not as two custodians', () => {
    const events = cleanPath().slice(0, 5);
    const stolen = event(LINDEN, '2026-04-01', { bizStep: 'decommissioning', disposition: 'stolen' });
    const receipt = event(ROSEN, '2026-09-15', { bizStep: 'receiving', from: NORTHLINE });
    const signals = detectSignals(input([...events, stolen, receipt]));
    expect(signals.map((s) => s.code).sort()).toEqual(['CUSTODY_BREAK', 'REAPPEARED_AFTER_THEFT']);
    expect(signals.find((s) => s.code === 'REAPPEARED_AFTER_THEFT')).toMatchObject({
      severity: 'ILLEGITIMATE',
      eventIDs: [stolen.eventID, receipt.eventID],
    });
    expect(signals.find((s) => s.code === 'CUSTODY_BREAK')!.message).toMatch(/no shipment/);
  });

  it('ignores container events after a dispense: a case that still lists the unit is not the unit', () => {
    const events = cleanPath();
    const caseShipped = event(LINDEN, '2026-04-01', { bizStep: 'shipping', via: '340612340000000010', to: NORTHLINE });
    expect(codes(input([...events, caseShipped]))).not.toContain('REAPPEARED_AFTER_DISPENSE');
  });

  it('flags two custodians at once when nobody shipped the unit', () => {
    const events = cleanPath().slice(0, 3);
    const elsewhere = event(ROSEN, '2026-03-05', { bizStep: 'storing' });
    expect(codes(input([...events, elsewhere]))).toEqual(['CLONE_TWO_CUSTODIANS']);
  });

  it('compares the lot and expiry on the pack with the commissioning record', () => {
    const i = input(cleanPath(), { presented: { lot: 'L9', expiry: '2027-01-31' } });
    const signals = detectSignals(i);
    expect(signals.map((s) => s.code)).toEqual(['LOT_MISMATCH', 'EXPIRY_MISMATCH']);
    expect(signals[0]!.eventIDs).toEqual([commissioning.eventID]);
    expect(codes(input(cleanPath(), { presented: { lot: 'L1', expiry: '2028-01-31' } }))).toEqual([]);
  });

  it('flags a serial commissioned twice in different lots', () => {
    const twice = [commissioning, { ...commissioning, eventID: 'urn:uuid:again', lot: 'L2' }];
    const [signal] = detectSignals(input(cleanPath(), { commissioning: twice }));
    expect(signal).toMatchObject({ code: 'LOT_MISMATCH', eventIDs: ['urn:uuid:commission', 'urn:uuid:again'] });
  });

  it('flags sales and dispenses after expiry, with the commissioning record as evidence', () => {
    const short = { ...commissioning, expiry: '2026-03-05' };
    const signals = detectSignals(input(cleanPath(), { commissioning: [short] }));
    expect(signals.map((s) => s.code)).toEqual(['SOLD_AFTER_EXPIRY', 'DISPENSED_AFTER_EXPIRY']);
    expect(signals[0]).toMatchObject({ severity: 'COMPLIANCE' });
    expect(signals[0]!.eventIDs[0]).toBe(short.eventID);
    expect(signals[0]!.message).toMatch(/by Northline .* to Linden .* on 2026-03-10/);
  });

  it('flags a sale and a dispense after the lot was recalled', () => {
    const recall: RecallRecord = {
      eventID: 'urn:uuid:recall', gtin: '04061234100016', lot: 'L1', recalledAt: '2026-03-09T00:00:00.000Z',
      recalledBy: M, recallClass: 'II', reason: 'dissolution out of specification',
    };
    const signals = detectSignals(input(cleanPath(), { recall }));
    expect(signals.map((s) => s.code)).toEqual(['SOLD_AFTER_RECALL', 'DISPENSED_AFTER_RECALL']);
    expect(signals[0]!.eventIDs[0]).toBe('urn:uuid:recall');
  });

  it('flags a sale to a buyer outside the authorized chain, and only when there are authorizations to judge by', () => {
    const events = [
      ...cleanPath().slice(0, 3),
      event(NORTHLINE, '2026-03-10', { bizStep: 'shipping', disposition: 'in_transit', to: ELBE, inv: true }),
    ];
    const [signal] = detectSignals(input(events));
    expect(signal).toMatchObject({ code: 'SOLD_TO_UNAUTHORIZED_BUYER', partners: [NORTHLINE, ELBE] });
    expect(codes(input(events, { rules: { priceList: [], partners: [] } }))).toEqual([]);
  });

  it('turns a carrier\'s excursion into a COMPLIANCE signal that names the carrier, and leaves the verdict alone', () => {
    const KALTWEG = '4089012000000';
    const excursion: ExcursionEvidence = {
      kind: 'ABOVE_MAX_TEMPERATURE',
      limit: 25,
      extreme: 31,
      uom: 'CEL',
      startedAt: '2026-04-09T11:05:00.000Z',
      endedAt: '2026-04-09T11:45:00.000Z',
      durationMinutes: 40,
      readings: 4,
      sscc: '340612340000000017',
      carrier: { gln: KALTWEG, name: 'Kaltweg', role: 'logistics', country: 'DE' },
      eventIDs: ['urn:uuid:log'],
    };
    const humid: ExcursionEvidence = { ...excursion, kind: 'ABOVE_MAX_RELATIVE_HUMIDITY', limit: 60, extreme: 72, uom: 'P1', eventIDs: ['urn:uuid:log2'] };
    const signals = detectSignals(input(cleanPath(), { excursions: [excursion, humid] }));
    expect(signals.map((s) => [s.code, s.severity, s.eventIDs, s.partners])).toEqual([
      ['TEMPERATURE_EXCURSION', 'COMPLIANCE', ['urn:uuid:log'], [KALTWEG]],
      ['HUMIDITY_EXCURSION', 'COMPLIANCE', ['urn:uuid:log2'], [KALTWEG]],
    ]);
    expect(signals[0]!.message).toBe(
      'kept above its maximum storage temperature of 25 °C: up to 31 °C for 40 minutes from 2026-04-09 11:05 UTC (4 readings), in container 340612340000000017, carried by Kaltweg (GLN 4089012000000)',
    );
    expect(signals[1]!.message).toMatch(/^kept above its maximum storage humidity of 60 % RH: up to 72 % RH/);
    expect(detectSignals(input(cleanPath(), { excursions: [{ ...excursion, kind: 'BELOW_MIN_TEMPERATURE', limit: 2, extreme: -1.5 }] }))[0]!.message).toMatch(
      /^kept below its minimum storage temperature of 2 °C: down to -1.5 °C/,
    );
    // Not a sign of falsification: a verifier is not told the pack is suspect.
    expect(verificationOutcome({ lot: null, expiry: null, commissioning: [commissioning], signals, pack: null, recall: null, now: new Date('2026-11-28T00:00:00Z') }).additionalInfo).toEqual([]);
  });
});

describe('packStatusOf', () => {
  const now = new Date('2026-03-15T00:00:00Z');
  const chain = (events: CustodyEventValue[]) => buildCustodyChain([events]);

  it('is ACTIVE in the supply chain and UNKNOWN for a serial nobody recorded', () => {
    const status = packStatusOf({ chain: chain(cleanPath().slice(0, 3)), commissioned: true, expiry: '2028-01-31', recall: null, now });
    expect(status).toMatchObject({ state: 'ACTIVE', active: true, undo: null });
    expect(packStatusOf({ chain: chain([]), commissioned: false, expiry: null, recall: null, now }).state).toBe('UNKNOWN');
  });

  it('is SUPPLIED after a dispense, which only the dispenser may undo within ten days', () => {
    const events = cleanPath();
    const status = packStatusOf({ chain: chain(events), commissioned: true, expiry: '2028-01-31', recall: null, now });
    expect(status).toMatchObject({ state: 'SUPPLIED', active: false, by: LINDEN, eventID: events[5]!.eventID, reason: 'dispensed' });
    expect(status.undo).toEqual({ possible: true, deadline: '2026-03-22T10:00:00.000Z', by: LINDEN, reason: null });
    const other = packStatusOf({ chain: chain(events), commissioned: true, expiry: '2028-01-31', recall: null, now, requester: ROSEN });
    expect(other.undo).toMatchObject({ possible: false });
    expect(other.undo!.reason).toBe('only the partner that dispensed it may undo the dispense');
    expect(other.undo!.by).toBe(LINDEN);
    const late = packStatusOf({ chain: chain(events), commissioned: true, expiry: '2028-01-31', recall: null, now: new Date('2026-03-23T00:00:00Z') });
    expect(late.undo!.reason).toMatch(/more than 10 days/);
  });

  it('keeps the first decommissioning: a second dispense of the serial does not change the state', () => {
    const events = [...cleanPath(), event(ROSEN, '2026-03-13', { bizStep: 'dispensing', disposition: 'dispensed' })];
    expect(packStatusOf({ chain: chain(events), commissioned: true, expiry: null, recall: null, now })).toMatchObject({ state: 'SUPPLIED', by: LINDEN });
  });

  it('reads stolen, destroyed and the EU FMD states the CBV has no word for', () => {
    const base = cleanPath().slice(0, 5);
    const state = (fields: Partial<CustodyEventValue>) =>
      packStatusOf({ chain: chain([...base, event(LINDEN, '2026-03-12', fields)]), commissioned: true, expiry: null, recall: null, now }).state;
    expect(state({ disposition: 'stolen' })).toBe('STOLEN');
    expect(state({ bizStep: 'destroying', disposition: 'destroyed' })).toBe('DESTROYED');
    expect(state({ bizStep: 'decommissioning', disposition: 'https://ns.tracefed.org/epcis/Disp-exported' })).toBe('EXPORTED');
    expect(state({ disposition: 'https://ns.tracefed.org/epcis/Disp-free_sample' })).toBe('FREE_SAMPLE');
    expect(state({ disposition: 'https://ns.tracefed.org/epcis/Disp-locked' })).toBe('LOCKED');
    expect(state({ bizStep: 'decommissioning', disposition: 'expired' })).toBe('DECOMMISSIONED');
  });
});

describe('verificationOutcome', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  const base = { lot: 'L1', expiry: '2028-01-31', commissioning: [commissioning], signals: [], pack: null, recall: null, now };

  it('verifies a matching pack and names each mismatch', () => {
    expect(verificationOutcome(base)).toEqual({ verified: true, verificationFailureReason: null, additionalInfo: [] });
    expect(verificationOutcome({ ...base, lot: 'X' }).verificationFailureReason).toBe('No_match_GTIN_Serial_Lot');
    expect(verificationOutcome({ ...base, expiry: '2028-02-29' }).verificationFailureReason).toBe('No_match_GTIN_Serial_Expiry');
    expect(verificationOutcome({ ...base, lot: 'X', expiry: '2028-02-29' }).verificationFailureReason).toBe('No_match_GTIN_Serial_Lot_Expiry');
    expect(verificationOutcome({ ...base, commissioning: [] }).verificationFailureReason).toBe('No_match_GTIN_Serial');
    expect(verificationOutcome({ ...base, lot: null, expiry: null }).verified).toBe(true);
  });

  it('adds what else the verifier must know, most important first', () => {
    const recall: RecallRecord = { eventID: 'r', gtin: 'g', lot: 'L1', recalledAt: '2026-11-01T00:00:00Z', recalledBy: M, recallClass: 'I', reason: 'x' };
    const expired = { ...commissioning, expiry: '2026-06-30' };
    const outcome = verificationOutcome({
      ...base,
      expiry: '2026-06-30',
      commissioning: [expired],
      recall,
      signals: [{ code: 'CUSTODY_BREAK', severity: 'SUSPECT', message: '', eventIDs: [], partners: [] }],
    });
    expect(outcome).toEqual({ verified: true, verificationFailureReason: null, additionalInfo: ['Recalled', 'Suspect', 'Expired'] });
    const stolen = verificationOutcome({ ...base, pack: { state: 'STOLEN', active: false, reason: 'stolen', since: null, by: null, eventID: null, undo: null } });
    expect(stolen.additionalInfo).toEqual(['Illegitimate']);
  });
});
