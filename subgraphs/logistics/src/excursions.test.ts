import { describe, expect, it } from 'vitest';
import { findExcursions, storageFrom, type StorageConditions } from './excursions.ts';
import type { Measurement, Reading } from './readings.ts';

const STORE_15_25: StorageConditions = { minTemperature: 15, maxTemperature: 25, maxRelativeHumidity: 60 };
const COLD_2_8: StorageConditions = { minTemperature: 2, maxTemperature: 8, maxRelativeHumidity: null };

/** Readings every ten minutes from 10:00 UTC, one event per reading. */
function series(values: number[], type: Measurement = 'Temperature', start = '2026-04-09T10:00:00.000Z'): Reading[] {
  return values.map((value, i) => ({
    eventID: `urn:uuid:r-${type}-${i}`,
    at: new Date(Date.parse(start) + i * 600_000),
    type,
    value,
    low: value,
    high: value,
    minValue: null,
    maxValue: null,
    uom: type === 'Temperature' ? 'CEL' : 'P1',
  }));
}

describe('findExcursions', () => {
  it('finds none while every reading is within the storage conditions, limits included', () => {
    expect(findExcursions(series([20, 25, 15, 24.9, 15.1]), STORE_15_25)).toEqual([]);
    expect(findExcursions(series([45, 60, 59], 'RelativeHumidity'), STORE_15_25)).toEqual([]);
  });

  it('measures a run above the maximum from its first reading outside to the first one back inside', () => {
    const readings = series([21, 27.9, 31, 30.2, 26.4, 24.6, 22]);
    expect(findExcursions(readings, STORE_15_25)).toEqual([
      {
        kind: 'ABOVE_MAX_TEMPERATURE',
        limit: 25,
        extreme: 31,
        uom: 'CEL',
        startedAt: new Date('2026-04-09T10:10:00.000Z'),
        endedAt: new Date('2026-04-09T10:50:00.000Z'),
        durationMinutes: 40,
        readings: 4,
        eventIDs: ['urn:uuid:r-Temperature-1', 'urn:uuid:r-Temperature-2', 'urn:uuid:r-Temperature-3', 'urn:uuid:r-Temperature-4'],
      },
    ]);
  });

  it('flags 11.5 °C for a 2-8 °C product, and a freeze below its minimum as a separate excursion', () => {
    const found = findExcursions(series([5, 11.5, 11.5, 11.5, 11.5, 6, 4, 1.5, 0.5, 3]), COLD_2_8);
    expect(found.map((x) => [x.kind, x.extreme, x.durationMinutes, x.readings])).toEqual([
      ['ABOVE_MAX_TEMPERATURE', 11.5, 40, 4],
      ['BELOW_MIN_TEMPERATURE', 0.5, 20, 2],
    ]);
  });

  it('ends a run still outside at the last reading there', () => {
    const [x] = findExcursions(series([20, 26, 27]), STORE_15_25);
    expect(x).toMatchObject({ startedAt: new Date('2026-04-09T10:10:00.000Z'), endedAt: new Date('2026-04-09T10:20:00.000Z'), durationMinutes: 10, readings: 2 });
    // A single reading outside at the end: a run of no measurable length, still reported.
    expect(findExcursions(series([20, 26]), STORE_15_25)[0]).toMatchObject({ durationMinutes: 0, readings: 1 });
  });

  it('judges humidity against the maximum relative humidity, and only temperature against temperature limits', () => {
    const readings = [...series([20, 20, 20]), ...series([55, 72, 58], 'RelativeHumidity')];
    expect(findExcursions(readings, STORE_15_25).map((x) => [x.kind, x.extreme, x.uom, x.limit])).toEqual([
      ['ABOVE_MAX_RELATIVE_HUMIDITY', 72, 'P1', 60],
    ]);
  });

  it('reads a reported range at its worst end', () => {
    const [reading] = series([24]);
    const ranged: Reading = { ...reading!, low: 23, high: 26.5, minValue: 23, maxValue: 26.5 };
    expect(findExcursions([ranged], STORE_15_25)).toMatchObject([{ kind: 'ABOVE_MAX_TEMPERATURE', extreme: 26.5 }]);
  });

  it('orders readings by time whatever order they arrive in', () => {
    const readings = series([20, 30, 20]).reverse();
    expect(findExcursions(readings, STORE_15_25)).toMatchObject([{ startedAt: new Date('2026-04-09T10:10:00.000Z'), durationMinutes: 10 }]);
  });

  it('judges nothing without storage conditions, and only the limits that are set', () => {
    expect(findExcursions(series([40, -5]), null)).toEqual([]);
    const onlyMax = { minTemperature: null, maxTemperature: 30, maxRelativeHumidity: null };
    expect(findExcursions(series([40, -5]), onlyMax).map((x) => x.kind)).toEqual(['ABOVE_MAX_TEMPERATURE']);
  });
});

describe('storageFrom', () => {
  it('reads the GraphQL shape and treats no limit at all as no storage conditions', () => {
    expect(storageFrom({ minTemperature: 2, maxTemperature: 8, maxRelativeHumidity: null })).toEqual({ minTemperature: 2, maxTemperature: 8, maxRelativeHumidity: null });
    expect(storageFrom({ minTemperature: null, maxTemperature: null, maxRelativeHumidity: null })).toBeNull();
    expect(storageFrom(null)).toBeNull();
    expect(storageFrom(undefined)).toBeNull();
  });
});
