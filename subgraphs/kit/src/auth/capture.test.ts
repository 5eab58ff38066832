import { describe, expect, it } from 'vitest';
import { EpcisDocumentError } from '../epcis/validate.ts';
import { normaliseDocument } from '../epcis/normalise.ts';
import { authorizeCapture, ownsLocation } from './capture.ts';
import type { Identity } from './identity.ts';

const northline: Identity = { sub: 'ops@northline', partner: '4012345000009', role: 'distributor', scope: ['capture'], companyPrefix: '4012345' };
const noPrefix: Identity = { sub: 'ops@harbor', partner: '4023456000000', role: 'distributor', scope: ['capture'] };

const event = (extra: Record<string, unknown> = {}) => ({
  type: 'ObjectEvent',
  eventTime: '2026-05-01T10:00:00+01:00',
  eventTimeZoneOffset: '+01:00',
  action: 'OBSERVE',
  epcList: [],
  ...extra,
});
const doc = (events: unknown[], type = 'EPCISDocument') =>
  normaliseDocument({
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type,
    schemaVersion: '2.0',
    creationDate: '2026-05-01T10:00:00Z',
    epcisBody: type === 'EPCISDocument' ? { eventList: events } : { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: events } } },
  });

function refusal(run: () => void): EpcisDocumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EpcisDocumentError);
    return error as EpcisDocumentError;
  }
  throw new Error('expected the capture to be refused');
}

describe('ownsLocation', () => {
  it('owns its party GLN and every GLN from its company prefix, with or without an extension', () => {
    expect(ownsLocation(northline, '/414/4012345000009')).toBe(true);
    expect(ownsLocation(northline, '/414/4012345000771')).toBe(true);
    expect(ownsLocation(northline, '/414/4012345000771/254/7')).toBe(true);
    expect(ownsLocation(noPrefix, '/414/4023456000000')).toBe(true);
  });
  it('owns nothing else: another company\'s GLN, a GLN that only shares the first digits, a location that is no GLN', () => {
    expect(ownsLocation(northline, '/414/4023456000000')).toBe(false);
    expect(ownsLocation(northline, '/414/4012340000004')).toBe(false);
    expect(ownsLocation(noPrefix, '/414/4023456000012')).toBe(false);
    expect(ownsLocation(northline, 'geo:42.698334,23.319941')).toBe(false);
    expect(ownsLocation(northline, '/4140/4012345000009')).toBe(false);
  });
});

describe('authorizeCapture', () => {
  it('lets a partner capture events at its own locations, in any identifier form, into its own role\'s node', () => {
    const document = doc([
      event({ readPoint: { id: 'urn:epc:id:sgln:4012345.00000.0' }, bizLocation: { id: 'https://id.gs1.org/414/4012345000771' } }),
      event(),
    ]);
    expect(() => authorizeCapture(northline, 'distributor', document)).not.toThrow();
  });

  it('refuses another role\'s node (403) before looking at the events', () => {
    const error = refusal(() => authorizeCapture(northline, 'dispenser', doc([event({ readPoint: { id: 'https://id.gs1.org/414/9506000134307' } })])));
    expect(error.status).toBe(403);
    expect(error.problems).toEqual([{ path: '$', reason: 'a distributor may not capture into the dispenser node; only a dispenser may' }]);
    const regulator: Identity = { ...northline, role: 'regulator' };
    expect(refusal(() => authorizeCapture(regulator, 'manufacturer', doc([event()]))).problems[0]?.reason).toBe(
      'a regulator may not capture into the manufacturer node; only a manufacturer may',
    );
  });

  it('names every event at a location not the partner\'s, by index and JSON path, read point and business location alike', () => {
    const document = doc([
      event({ bizLocation: { id: 'urn:epc:id:sgln:4012345.00000.0' } }),
      event({ readPoint: { id: 'https://id.gs1.org/414/4023456000000' }, bizLocation: { id: 'geo:42.698334,23.319941' } }),
    ]);
    const error = refusal(() => authorizeCapture(northline, 'distributor', document));
    expect(error.status).toBe(403);
    expect(error.problems.map((p) => [p.eventIndex, p.path])).toEqual([
      [1, '$.epcisBody.eventList[1].readPoint'],
      [1, '$.epcisBody.eventList[1].bizLocation'],
    ]);
    expect(error.problems[0]?.reason).toBe(
      'readPoint /414/4023456000000 is not a location of partner 4012345000009; a partner captures only events at its own locations',
    );
  });

  it('gives the path inside an EPCIS query document', () => {
    const error = refusal(() => authorizeCapture(noPrefix, 'distributor', doc([event({ readPoint: { id: 'https://id.gs1.org/414/4012345000009' } })], 'EPCISQueryDocument')));
    expect(error.problems[0]?.path).toBe('$.epcisBody.queryResults.resultsBody.eventList[0].readPoint');
  });
  it('lets the roles a node names capture into it (captureRoles), and only those', () => {
    const carrier: Identity = { ...northline, role: 'logistics' };
    const document = doc([event({ readPoint: { id: 'https://id.gs1.org/414/4012345000009' } })]);
    expect(() => authorizeCapture(carrier, 'logistics', document)).not.toThrow();
    expect(() => authorizeCapture(northline, 'logistics', document, ['logistics', 'distributor'])).not.toThrow();
    expect(refusal(() => authorizeCapture(northline, 'logistics', document)).problems[0]?.reason).toBe(
      'a distributor may not capture into the logistics node; only a logistics may',
    );
    expect(refusal(() => authorizeCapture(northline, 'wholesaler', document, ['manufacturer', 'dispenser', 'logistics'])).problems[0]?.reason).toBe(
      'a distributor may not capture into the wholesaler node; only a manufacturer, a dispenser or a logistics may',
    );
    expect(refusal(() => authorizeCapture(carrier, 'archive', document, [])).problems[0]?.reason).toBe(
      'a logistics may not capture into the archive node; no partner may',
    );
  });
});
