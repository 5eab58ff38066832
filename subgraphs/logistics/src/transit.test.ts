import { describe, expect, it } from 'vitest';
import type { Reading } from './readings.ts';
import { buildLegs, keysOfUnit, legsOfUnit, type CarrierEvent, type Stay } from './transit.ts';

const FROSTLINE = '4078901000003';
const KALTWEG = '4089012000000';
const CASE = '/00/340612340000000017';
const PALLET = '/00/340612340000000024';
const UNIT = '/01/04061234100016/21/ABCDEFGHJK';
const NORTHLINE = '/417/4012345000009';
const LINDEN = '/417/4034567000001';
const VAN = '/414/4078901000010/254/VAN-07';

const t = (hhmm: string, day = '2026-04-03') => new Date(`${day}T${hhmm}:00.000Z`);
let n = 0;
function event(step: string | null, at: Date, fields: Partial<CarrierEvent> = {}): CarrierEvent {
  n += 1;
  return {
    eventID: `urn:uuid:c-${n}`,
    carrier: FROSTLINE,
    key: CASE,
    eventTime: at,
    bizStep: step,
    readPoint: VAN,
    sources: [
      { type: 'possessing_party', id: 'northline', key: NORTHLINE },
      { type: 'location', id: 'northline-site', key: '/414/4012345000016' },
    ],
    destinations: [
      { type: 'possessing_party', id: 'linden', key: LINDEN },
      { type: 'location', id: 'linden-site', key: '/414/4034567000018' },
    ],
    readings: [],
    ...fields,
  };
}
const reading = (at: Date, value: number, eventID = 'urn:uuid:log'): Reading => ({
  eventID,
  at,
  type: 'Temperature',
  value,
  low: value,
  high: value,
  minValue: null,
  maxValue: null,
  uom: 'CEL',
});

describe('buildLegs', () => {
  it('pairs a pickup with the next delivery and takes the readings in between', () => {
    const pickup = event('loading', t('06:15'));
    const log = event('sensor_reporting', t('12:40'), {
      sources: [],
      destinations: [],
      readings: [reading(t('06:00'), 30), reading(t('07:00'), 20), reading(t('12:30'), 21), reading(t('13:00'), 35)],
    });
    const delivery = event('unloading', t('12:45'));
    const [leg, ...others] = buildLegs([delivery, log, pickup]);
    expect(others).toEqual([]);
    expect(leg).toMatchObject({
      carrier: FROSTLINE,
      key: CASE,
      pickedUpAt: t('06:15'),
      deliveredAt: t('12:45'),
      from: NORTHLINE,
      to: LINDEN,
      fromLocation: '/414/4012345000016',
      toLocation: '/414/4034567000018',
      vehicle: VAN,
      eventIDs: [pickup.eventID, log.eventID, delivery.eventID],
    });
    // Readings before the pickup and after the delivery are not the carrier's.
    expect(leg!.readings.map((r) => r.value)).toEqual([20, 21]);
  });

  it('reads departing and arriving as pickup and delivery too', () => {
    const legs = buildLegs([event('departing', t('08:00')), event('arriving', t('09:00'))]);
    expect(legs.map((l) => [l.pickedUpAt, l.deliveredAt])).toEqual([[t('08:00'), t('09:00')]]);
  });

  it('keeps legs apart per carrier and per thing carried, and leaves a leg open while on the road', () => {
    const legs = buildLegs([
      event('loading', t('06:00')),
      event('unloading', t('10:00')),
      event('loading', t('06:30'), { key: PALLET }),
      event('loading', t('11:00'), { carrier: KALTWEG }),
    ]);
    expect(legs.map((l) => [l.carrier, l.key, l.pickedUpAt, l.deliveredAt])).toEqual([
      [FROSTLINE, CASE, t('06:00'), t('10:00')],
      [FROSTLINE, PALLET, t('06:30'), null],
      [KALTWEG, CASE, t('11:00'), null],
    ]);
  });

  it('makes a delivery without a pickup a leg of its own, and a second pickup a new leg', () => {
    const legs = buildLegs([event('unloading', t('05:00')), event('loading', t('06:00')), event('loading', t('07:00')), event('unloading', t('08:00'))]);
    expect(legs.map((l) => [l.pickedUpAt, l.deliveredAt])).toEqual([
      [null, t('05:00')],
      [t('06:00'), null],
      [t('07:00'), t('08:00')],
    ]);
  });

  it('ignores events that are neither a pickup nor a delivery when it builds legs', () => {
    expect(buildLegs([event('sensor_reporting', t('06:00'), { readings: [reading(t('06:00'), 20)] })])).toEqual([]);
  });
});

describe('legsOfUnit', () => {
  const legs = buildLegs([
    event('loading', t('06:00')),
    event('unloading', t('10:00')),
    event('loading', t('06:00', '2026-05-01'), { key: PALLET }),
    event('unloading', t('10:00', '2026-05-01'), { key: PALLET }),
    event('loading', t('06:00', '2026-06-01'), { key: UNIT }),
  ]);

  it('takes the legs of cases and pallets that held the unit during the leg, and the legs of the unit itself', () => {
    const stays: Stay[] = [
      { key: CASE, from: '2026-03-01T00:00:00.000Z', to: null },
      // Out of the pallet before it was carried.
      { key: PALLET, from: '2026-03-01T00:00:00.000Z', to: '2026-04-20T00:00:00.000Z' },
    ];
    expect(legsOfUnit(UNIT, legs, stays).map((l) => l.key)).toEqual([CASE, UNIT]);
  });

  it('counts a stay that begins at the delivery (the consignee packed it in on receipt)', () => {
    const stays: Stay[] = [{ key: CASE, from: '2026-04-03T10:00:00.000Z', to: null }];
    expect(legsOfUnit('/01/04061234100016/21/OTHER', legs, stays).map((l) => l.key)).toEqual([CASE]);
  });

  it('carries nothing for a unit whose containers were never carried', () => {
    expect(legsOfUnit('/01/04061234100016/21/OTHER', legs, [{ key: '/00/340612340000000031', from: '2026-01-01T00:00:00.000Z', to: null }])).toEqual([]);
  });

  it('looks events up by the unit and every container that ever held it, once each', () => {
    expect(keysOfUnit(UNIT, [{ key: CASE, from: 'a', to: null }, { key: CASE, from: 'b', to: null }, { key: PALLET, from: 'c', to: null }])).toEqual([UNIT, CASE, PALLET]);
  });
});
