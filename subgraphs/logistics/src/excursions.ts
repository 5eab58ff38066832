/**
 * Excursions: runs of readings outside a product's storage conditions. Pure functions over readings
 * (readings.ts) and the conditions from the manufacturer's master data.
 *
 * A run starts at the first reading outside a limit and ends at the first reading back inside it: the
 * pack was outside for at least the time between its outside readings and at most until the next
 * inside one, and quality assessments (GDP, "time out of storage") count the longer span. A run still
 * outside at the last reading ends there. A reading on the limit is inside it ("store at 15-25 °C"
 * includes 25 °C).
 */
import type { Measurement, Reading } from './readings.ts';

export interface StorageConditions {
  minTemperature: number | null;
  maxTemperature: number | null;
  maxRelativeHumidity: number | null;
}

export type ExcursionKind = 'ABOVE_MAX_TEMPERATURE' | 'BELOW_MIN_TEMPERATURE' | 'ABOVE_MAX_RELATIVE_HUMIDITY';

export interface Excursion {
  kind: ExcursionKind;
  limit: number;
  /** The worst value of the run: the highest above a maximum, the lowest below a minimum. */
  extreme: number;
  uom: 'CEL' | 'P1';
  startedAt: Date;
  endedAt: Date;
  durationMinutes: number;
  /** Readings outside the limit. */
  readings: number;
  /** Events whose readings were outside the limit, in time order. */
  eventIDs: string[];
}

interface Check {
  kind: ExcursionKind;
  type: Measurement;
  limit: number;
  /** True when the reading is outside the limit; the range of a report counts at its worst end. */
  outside(r: Reading): boolean;
  worst(r: Reading): number;
  pick(a: number, b: number): number;
}

function checksOf(storage: StorageConditions): Check[] {
  const checks: Check[] = [];
  const { minTemperature: min, maxTemperature: max, maxRelativeHumidity: rh } = storage;
  if (max !== null) {
    checks.push({ kind: 'ABOVE_MAX_TEMPERATURE', type: 'Temperature', limit: max, outside: (r) => r.high > max, worst: (r) => r.high, pick: Math.max });
  }
  if (min !== null) {
    checks.push({ kind: 'BELOW_MIN_TEMPERATURE', type: 'Temperature', limit: min, outside: (r) => r.low < min, worst: (r) => r.low, pick: Math.min });
  }
  if (rh !== null) {
    checks.push({ kind: 'ABOVE_MAX_RELATIVE_HUMIDITY', type: 'RelativeHumidity', limit: rh, outside: (r) => r.high > rh, worst: (r) => r.high, pick: Math.max });
  }
  return checks;
}

/**
 * Every excursion in a series of readings, oldest first. No storage conditions (a product without them
 * in its master data) means nothing to judge by: no excursions, rather than a guess.
 */
export function findExcursions(readings: readonly Reading[], storage: StorageConditions | null): Excursion[] {
  if (!storage) return [];
  const out: Excursion[] = [];
  for (const check of checksOf(storage)) {
    const series = readings.filter((r) => r.type === check.type).sort((a, b) => a.at.getTime() - b.at.getTime());
    let run: Reading[] = [];
    const close = (backInside: Reading | null) => {
      const first = run[0];
      const last = run[run.length - 1];
      if (!first || !last) return;
      const endedAt = backInside ? backInside.at : last.at;
      out.push({
        kind: check.kind,
        limit: check.limit,
        extreme: run.map(check.worst).reduce((a, b) => check.pick(a, b)),
        uom: first.uom,
        startedAt: first.at,
        endedAt,
        durationMinutes: Math.round((endedAt.getTime() - first.at.getTime()) / 60_000),
        readings: run.length,
        eventIDs: [...new Set(run.map((r) => r.eventID))],
      });
      run = [];
    };
    for (const reading of series) {
      if (check.outside(reading)) run.push(reading);
      else close(reading);
    }
    close(null);
  }
  return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.kind.localeCompare(b.kind));
}

/** Storage conditions from their GraphQL shape (the manufacturer's, through @requires); null when none is set. */
export function storageFrom(value: unknown): StorageConditions | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const storage = { minTemperature: n(v.minTemperature), maxTemperature: n(v.maxTemperature), maxRelativeHumidity: n(v.maxRelativeHumidity) };
  return storage.minTemperature === null && storage.maxTemperature === null && storage.maxRelativeHumidity === null ? null : storage;
}
