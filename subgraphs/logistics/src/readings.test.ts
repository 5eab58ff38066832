import { describe, expect, it } from 'vitest';
import { readingsOf, toStandardUnit } from './readings.ts';

const at = new Date('2026-04-09T10:00:00.000Z');

describe('readingsOf', () => {
  it('reads temperature and relative humidity from sensorReports, in any spelling of the GS1 measurement type', () => {
    const readings = readingsOf({
      eventID: 'urn:uuid:e1',
      eventTime: at,
      context: ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { voc: 'https://gs1.org/voc/' }],
      sensorElementList: [
        {
          sensorMetadata: { time: '2026-04-09T11:10:00.000+01:00', deviceID: 'https://id.example.com/8004/4078901LOGGER07' },
          sensorReport: [
            { type: 'gs1:Temperature', value: 21.5, uom: 'CEL' },
            { type: 'RelativeHumidity', value: 44, uom: 'P1' },
            { type: 'AbsoluteHumidity', value: 12.1, uom: 'A93' },
            { type: 'Illuminance', value: 800, uom: 'LUX' },
          ],
        },
        {
          sensorMetadata: { time: '2026-04-09T11:00:00.000+01:00' },
          sensorReport: [
            { type: 'https://gs1.org/voc/Temperature', value: 20, uom: 'CEL' },
            { type: 'voc:Temperature', value: 19, uom: 'CEL', time: '2026-04-09T10:05:00.000Z' },
          ],
        },
      ],
    });
    expect(readings.map((r) => [r.at.toISOString(), r.type, r.value, r.uom])).toEqual([
      ['2026-04-09T10:00:00.000Z', 'Temperature', 20, 'CEL'],
      ['2026-04-09T10:05:00.000Z', 'Temperature', 19, 'CEL'],
      ['2026-04-09T10:10:00.000Z', 'Temperature', 21.5, 'CEL'],
      ['2026-04-09T10:10:00.000Z', 'RelativeHumidity', 44, 'P1'],
    ]);
    expect(new Set(readings.map((r) => r.eventID))).toEqual(new Set(['urn:uuid:e1']));
  });

  it('converts °F and K to °C, keeps a reported range, and falls back to the event time', () => {
    const readings = readingsOf({
      eventID: 'urn:uuid:e2',
      eventTime: at,
      sensorElementList: [
        {
          sensorReport: [
            { type: 'Temperature', value: 77, uom: 'FAH' },
            { type: 'Temperature', minValue: 280.15, maxValue: 300.15, meanValue: 290.15, uom: 'KEL' },
          ],
        },
      ],
    });
    expect(readings.map((r) => ({ at: r.at.toISOString(), value: r.value, low: r.low, high: r.high, min: r.minValue, max: r.maxValue }))).toEqual([
      { at: at.toISOString(), value: 25, low: 25, high: 25, min: null, max: null },
      { at: at.toISOString(), value: 17, low: 7, high: 27, min: 7, max: 27 },
    ]);
  });

  it('leaves out what cannot be compared: no unit, an unknown unit, no value, an exception report', () => {
    const readings = readingsOf({
      eventID: 'urn:uuid:e3',
      eventTime: at,
      sensorElementList: [
        {
          sensorReport: [
            { type: 'Temperature', value: 20 },
            { type: 'Temperature', value: 20, uom: 'XXX' },
            { type: 'RelativeHumidity', value: 12, uom: 'A93' },
            { type: 'Temperature', uom: 'CEL' },
            { exception: 'ALARM_CONDITION' },
          ],
        },
      ],
    });
    expect(readings).toEqual([]);
    expect(readingsOf({ eventID: 'x', eventTime: at, sensorElementList: null })).toEqual([]);
  });
});

describe('toStandardUnit', () => {
  it('converts temperatures to °C and keeps only percent for relative humidity', () => {
    expect(toStandardUnit('Temperature', 32, 'FAH')).toBe(0);
    expect(toStandardUnit('Temperature', 273.15, 'KEL')).toBe(0);
    expect(toStandardUnit('Temperature', 5, undefined)).toBeNull();
    expect(toStandardUnit('RelativeHumidity', 50, 'P1')).toBe(50);
    expect(toStandardUnit('RelativeHumidity', 50, 'A93')).toBeNull();
  });
});
