/**
 * Temperature and humidity readings out of an EPCIS 2.0 event's `sensorElementList`. Pure: the
 * repository hands over the list as captured (with the event's @context), this module reads it.
 *
 * One sensorElement is one device's report at one time (sensorMetadata.time), with one sensorReport per
 * measurement; a report may also carry its own time, and a range (minValue, maxValue) when the device
 * aggregated an interval. Measurement types are GS1 Web Vocabulary terms, written bare (`Temperature`),
 * as a CURIE (`gs1:Temperature`) or in full (`https://gs1.org/voc/Temperature`); units are UN/CEFACT
 * codes (CEL, FAH, KEL for temperature; P1, percent, for relative humidity).
 */
import { contextPrefixes, expandTerm } from '@tracefed/kit/epcis/normalise';
import { NS } from '@tracefed/kit/epcis/vocabulary';

export type Measurement = 'Temperature' | 'RelativeHumidity';

export interface Reading {
  eventID: string;
  at: Date;
  type: Measurement;
  /** In `uom`: the reported value, else its mean, else the bound of its range. */
  value: number;
  /** The lowest and highest value the report covers: the range when one was reported, else `value`. */
  low: number;
  high: number;
  minValue: number | null;
  maxValue: number | null;
  /** CEL for temperature (converted from FAH or KEL), P1 for relative humidity. */
  uom: 'CEL' | 'P1';
}

/** What a reading is taken from: one stored event's identity, time and sensor data. */
export interface SensorSource {
  eventID: string;
  eventTime: Date;
  /** The event's `sensorElementList` as captured (absent or null when it has none). */
  sensorElementList: unknown;
  /** The event's JSON-LD @context as stored with it, to read CURIEs. */
  context?: unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The GS1 Web Vocabulary term of a measurement type in any of its spellings, when it is one we read. */
export function measurementOf(type: unknown, prefixes: Readonly<Record<string, string>>): Measurement | null {
  if (typeof type !== 'string') return null;
  const expanded = expandTerm(type, prefixes);
  const term = expanded.startsWith(NS.gs1) ? expanded.slice(NS.gs1.length) : expanded;
  return term === 'Temperature' || term === 'RelativeHumidity' ? term : null;
}

/**
 * A value in the unit readings are compared in: °C for temperature, % for relative humidity. Null for a
 * unit we cannot convert, and for a missing unit: guessing (the SI unit of temperature is the kelvin)
 * could turn 5 °C into an excursion, or hide one.
 */
export function toStandardUnit(type: Measurement, value: number, uom: unknown): number | null {
  if (type === 'Temperature') {
    if (uom === 'CEL') return value;
    if (uom === 'FAH') return ((value - 32) * 5) / 9;
    if (uom === 'KEL') return value - 273.15;
    return null;
  }
  return uom === 'P1' ? value : null;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function instant(...candidates: unknown[]): Date | null {
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const d = new Date(c);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}

/**
 * Every temperature and relative humidity reading of an event, oldest first. Reports of other
 * measurements, reports without a value and reports in a unit that cannot be converted are left out.
 */
export function readingsOf(source: SensorSource): Reading[] {
  if (!Array.isArray(source.sensorElementList)) return [];
  const prefixes = contextPrefixes(source.context);
  const out: Reading[] = [];
  for (const element of source.sensorElementList) {
    if (!isObject(element) || !Array.isArray(element.sensorReport)) continue;
    const meta = isObject(element.sensorMetadata) ? element.sensorMetadata : {};
    for (const report of element.sensorReport) {
      if (!isObject(report)) continue;
      const type = measurementOf(report.type, prefixes);
      if (!type) continue;
      const convert = (v: unknown) => {
        const n = num(v);
        return n === null ? null : toStandardUnit(type, n, report.uom);
      };
      const minValue = convert(report.minValue);
      const maxValue = convert(report.maxValue);
      const value = convert(report.value) ?? convert(report.meanValue) ?? maxValue ?? minValue;
      if (value === null) continue;
      const at = instant(report.time, meta.time, meta.endTime, meta.startTime) ?? source.eventTime;
      out.push({
        eventID: source.eventID,
        at,
        type,
        value: round(value),
        low: round(Math.min(value, minValue ?? value)),
        high: round(Math.max(value, maxValue ?? value)),
        minValue: minValue === null ? null : round(minValue),
        maxValue: maxValue === null ? null : round(maxValue),
        uom: type === 'Temperature' ? 'CEL' : 'P1',
      });
    }
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
