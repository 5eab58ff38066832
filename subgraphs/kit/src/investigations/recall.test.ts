import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../epcis/normalise.ts';
import { isRecallEvent, lotClassKey, readRecall, recallDocument } from './recall.ts';

describe('a recall as an EPCIS event', () => {
  const at = new Date('2026-11-20T09:00:00.000Z');
  const doc = recallDocument({
    eventId: 'urn:uuid:6f1c2b3a-0000-4000-8000-000000000001',
    gtin: '04061234100016',
    lot: 'AML2603',
    reason: 'Dissolution out of specification',
    recallClass: 'II',
    at,
    quantity: 120,
  });

  it('is an ObjectEvent on the lot class with disposition recalled, that the store accepts', () => {
    const { events } = normaliseDocument(doc);
    const [event] = events;
    expect(event).toMatchObject({ eventType: 'ObjectEvent', action: 'OBSERVE', bizStep: 'holding', disposition: 'recalled' });
    expect(event!.epcs).toEqual([expect.objectContaining({ role: 'epcQuantity', epcKey: lotClassKey('04061234100016', 'AML2603'), quantity: 120 })]);
    expect(event!.extensions).toEqual({
      'https://ns.tracefed.org/epcis/recallClass': 'II',
      'https://ns.tracefed.org/epcis/recallReason': 'Dissolution out of specification',
    });
  });

  it('reads back into a recall record', () => {
    const { events } = normaliseDocument(doc);
    const e = events[0]!;
    expect(isRecallEvent(e)).toBe(true);
    expect(readRecall({ ...e, owner: '4061234000001' }, { gtin: '04061234100016', lot: 'AML2603' })).toEqual({
      eventID: 'urn:uuid:6f1c2b3a-0000-4000-8000-000000000001',
      gtin: '04061234100016',
      lot: 'AML2603',
      recalledAt: '2026-11-20T09:00:00.000Z',
      recalledBy: '4061234000001',
      recallClass: 'II',
      reason: 'Dissolution out of specification',
    });
  });
});
