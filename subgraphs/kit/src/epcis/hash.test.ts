import { describe, expect, it } from 'vitest';
import { canonicalIdentifier, canonicalTime, epcToDigitalLink, eventHashId, preHashString } from './hash.ts';

// Test vectors from the test examples of the CBV 2.0 EPCIS Event Hash ID reference implementation,
// https://github.com/RalphTro/epcis-event-hash-generator (MIT License, Copyright 2019 Ralph Tröger):
// tests/examples/epcisDocWithSingleEvent (.jsonld / .prehashes / .hashes) and TimeStampRoundOff.
const REFERENCE = [
  {
    name: 'epcisDocWithSingleEvent: EPC URNs, bare CBV values, a business transaction',
    event: {
      type: 'ObjectEvent',
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
      epcList: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
      eventTime: '2022-02-16T20:33:31.116000-06:00',
      eventTimeZoneOffset: '-06:00',
      readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234' },
      bizTransactionList: [{ type: 'po', bizTransaction: 'http://transaction.acme.com/po/12345678' }],
    },
    preHash:
      'eventType=ObjectEventeventTime=2022-02-17T02:33:31.116ZeventTimeZoneOffset=-06:00' +
      'epcListepc=https://id.gs1.org/01/10614141073464/21/2017epc=https://id.gs1.org/01/10614141073464/21/2018' +
      'action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transit' +
      'readPointid=https://id.gs1.org/414/0614141073467/254/1234' +
      'bizTransactionListbizTransaction=http://transaction.acme.com/po/12345678type=https://ref.gs1.org/cbv/BTT-po',
    hash: 'ni:///sha-256;3e0f2437f4cb5e8a1b832b769c0eed1bf3e1421f14061132e9800ded03f10182?ver=CBV2.0',
  },
  {
    name: 'TimeStampRoundOff[0]: a fourth fractional digit of 5 rounds up; Digital Links on another host',
    event: {
      type: 'ObjectEvent',
      eventTime: '2023-02-02T11:04:03.1415Z',
      eventTimeZoneOffset: '+01:00',
      epcList: ['https://id.gs1.de/00/040123451111111110'],
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
      readPoint: { id: 'https://id.gs1.de/414/4012345000115' },
    },
    preHash:
      'eventType=ObjectEventeventTime=2023-02-02T11:04:03.142ZeventTimeZoneOffset=+01:00' +
      'epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVE' +
      'bizStep=https://ref.gs1.org/cbv/BizStep-shippingdisposition=https://ref.gs1.org/cbv/Disp-in_transit' +
      'readPointid=https://id.gs1.org/414/4012345000115',
    hash: 'ni:///sha-256;af7658e711574363633f20b3dadc7bc4c13c6f612cf96d95e03c421c0e58f3c6?ver=CBV2.0',
  },
  {
    name: 'TimeStampRoundOff[1]: a fourth fractional digit of 4 does not round; a geo: read point stays',
    event: {
      type: 'ObjectEvent',
      eventTime: '2023-02-02T11:04:03.1414Z',
      eventTimeZoneOffset: '+01:00',
      epcList: ['https://id.gs1.de/00/040123451111111110'],
      action: 'OBSERVE',
      bizStep: 'transporting',
      readPoint: { id: 'geo:50.947573340894124,6.922120147375441' },
    },
    preHash:
      'eventType=ObjectEventeventTime=2023-02-02T11:04:03.141ZeventTimeZoneOffset=+01:00' +
      'epcListepc=https://id.gs1.org/00/040123451111111110action=OBSERVE' +
      'bizStep=https://ref.gs1.org/cbv/BizStep-transportingreadPointid=geo:50.947573340894124,6.922120147375441',
    hash: 'ni:///sha-256;0550df44527332c1fe417c5837fe61b9e71eaa93307b88519dac549bf2d4dcf9?ver=CBV2.0',
  },
  {
    name: 'TimeStampRoundOff[2]: certificationInfo, sensor metadata and a sensor report with an exception',
    event: {
      type: 'ObjectEvent',
      eventTime: '2023-02-12T11:04:03.1415Z',
      eventTimeZoneOffset: '+01:00',
      certificationInfo: 'https://accreditation-council.example.org/certificate/ABC12345',
      epcList: ['https://id.gs1.de/01/04012345999990/21/XYZ-1234'],
      action: 'OBSERVE',
      bizStep: 'receiving',
      disposition: 'in_progress',
      readPoint: { id: 'https://id.gs1.de/414/4012345000115' },
      sensorElementList: [
        {
          sensorMetadata: { time: '2023-02-12T11:04:03.1007Z', bizRules: 'https://id.example.com/253/4012345000054987' },
          sensorReport: [
            { type: 'Dimensionless', exception: 'ALARM_CONDITION', coordinateReferenceSystem: 'http://www.opengis.net/def/crs/EPSG/0/27700' },
          ],
        },
      ],
    },
    preHash:
      'eventType=ObjectEventeventTime=2023-02-12T11:04:03.142ZeventTimeZoneOffset=+01:00' +
      'certificationInfo=https://accreditation-council.example.org/certificate/ABC12345' +
      'epcListepc=https://id.gs1.org/01/04012345999990/21/XYZ-1234action=OBSERVE' +
      'bizStep=https://ref.gs1.org/cbv/BizStep-receivingdisposition=https://ref.gs1.org/cbv/Disp-in_progress' +
      'readPointid=https://id.gs1.org/414/4012345000115' +
      'sensorElementListsensorElementsensorMetadatatime=2023-02-12T11:04:03.101Z' +
      'bizRules=https://id.gs1.org/253/4012345000054987' +
      'sensorReporttype=https://gs1.org/voc/Dimensionlessexception=https://gs1.org/voc/ALARM_CONDITION' +
      'coordinateReferenceSystem=http://www.opengis.net/def/crs/EPSG/0/27700',
    hash: 'ni:///sha-256;589e6268daac257cff0a64ae0f525abcc3ff90bc7832171270fd9260e9c481c8?ver=CBV2.0',
  },
];

describe('EPCIS Event Hash ID (CBV 2.0): reference vectors', () => {
  it.each(REFERENCE)('$name', ({ event, preHash, hash }) => {
    expect(preHashString(event)).toBe(preHash);
    expect(eventHashId(event)).toBe(hash);
  });
});

const base = {
  type: 'ObjectEvent',
  eventTime: '2026-03-02T07:00:00.000+01:00',
  eventTimeZoneOffset: '+01:00',
  epcList: ['urn:epc:id:sgtin:4061234.010001.U29TPR9UKH', 'urn:epc:id:sscc:4061234.0000000027'],
  action: 'OBSERVE',
  bizStep: 'shipping',
  disposition: 'in_transit',
  readPoint: { id: 'urn:epc:id:sgln:4061234.00001.0' },
  bizTransactionList: [
    { type: 'inv', bizTransaction: 'urn:epcglobal:cbv:bt:4061234000006:INV-00001' },
    { type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:4012345000009:PO-00001' },
  ],
  sourceList: [{ type: 'owning_party', source: 'urn:epc:id:pgln:4061234.00000' }],
  quantityList: [{ epcClass: 'urn:epc:class:lgtin:4061234.010001.AML2601', quantity: 20.0 }],
  ilmd: { 'cbvmda:lotNumber': 'AML2601' },
  'tf:unitPrice': 4.2,
};
const tf = { tf: 'https://ns.tracefed.org/epcis/' };

describe('EPCIS Event Hash ID: the same event in another spelling has the same ID', () => {
  const expected = eventHashId(base, tf);
  const variants: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    [
      'Digital Links on any host instead of EPC URNs (and a lot in the path, which the hash drops)',
      {
        ...base,
        epcList: ['https://dl.northline.example/01/04061234100016/10/AML2601/21/U29TPR9UKH?17=280131', 'https://id.gs1.org/00/040612340000000279'],
        readPoint: { id: 'https://scan.example/414/4061234000019' },
        sourceList: [{ type: 'owning_party', source: 'https://id.gs1.org/417/4061234000002' }],
        quantityList: [{ epcClass: 'https://id.gs1.org/01/04061234100016/10/AML2601', quantity: 20 }],
      },
      tf,
    ],
    [
      'CBV values as URNs and web URIs',
      {
        ...base,
        bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
        disposition: 'https://ref.gs1.org/cbv/Disp-in_transit',
        bizTransactionList: base.bizTransactionList.map((b) => ({ ...b, type: `urn:epcglobal:cbv:btt:${b.type}` })),
        sourceList: [{ type: 'https://ref.gs1.org/cbv/SDT-owning_party', source: 'urn:epc:id:pgln:4061234.00000' }],
      },
      tf,
    ],
    ['list members and fields in another order', Object.fromEntries(Object.entries({ ...base, epcList: [...base.epcList].reverse(), bizTransactionList: [...base.bizTransactionList].reverse() }).reverse()), tf],
    ['another CURIE prefix for the same namespace', { ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'tf:unitPrice')), 'trace:unitPrice': 4.2 }, { trace: tf.tf }],
    ['the same instant written in UTC', { ...base, eventTime: '2026-03-02T06:00:00Z' }, tf],
    [
      'with eventID, recordTime and an error declaration, which name the event rather than describe it',
      { ...base, eventID: 'urn:uuid:1', recordTime: '2026-03-03T00:00:00Z', errorDeclaration: { declarationTime: '2026-03-04T00:00:00Z' } },
      tf,
    ],
  ];
  it.each(variants)('%s', (_name, event, prefixes) => {
    expect(eventHashId(event, prefixes)).toBe(expected);
  });
});

describe('EPCIS Event Hash ID: any change of content changes the ID', () => {
  const original = eventHashId(base, tf);
  const changes: Array<[string, Record<string, unknown>]> = [
    ['another serial', { ...base, epcList: ['urn:epc:id:sgtin:4061234.010001.U29TPR9UKJ', base.epcList[1]] }],
    ['one millisecond later', { ...base, eventTime: '2026-03-02T07:00:00.001+01:00' }],
    ['another disposition', { ...base, disposition: 'in_progress' }],
    ['another quantity', { ...base, quantityList: [{ ...base.quantityList[0], quantity: 21 }] }],
    ['another extension value', { ...base, 'tf:unitPrice': 4.3 }],
    ['an added bizLocation', { ...base, bizLocation: { id: 'urn:epc:id:sgln:4061234.00001.0' } }],
    ['another ILMD value', { ...base, ilmd: { 'cbvmda:lotNumber': 'AML2602' } }],
  ];
  it.each(changes)('%s', (_name, event) => {
    expect(eventHashId(event, tf)).not.toBe(original);
  });
});

describe('pre-hash canonical forms', () => {
  it('writes ILMD and nested user extensions as sorted {namespace}name=value parts', () => {
    const s = preHashString(
      {
        type: 'ObjectEvent',
        eventTime: '2026-01-01T00:00:00Z',
        eventTimeZoneOffset: '+00:00',
        action: 'ADD',
        epcList: [],
        ilmd: { 'ex:lot': 'L1', 'ex:best': '2027-01-01' },
        'ex:b': { 'ex:y': ['3', '1'], 'ex:x': '2' },
        'ex:a': 0,
      },
      { ex: 'https://ns.example.com/epcis/' },
    );
    expect(s).toBe(
      'eventType=ObjectEventeventTime=2026-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00action=ADD' +
        'ilmd{https://ns.example.com/epcis/}best=2027-01-01{https://ns.example.com/epcis/}lot=L1' +
        '{https://ns.example.com/epcis/}a=0' +
        '{https://ns.example.com/epcis/}b{https://ns.example.com/epcis/}x=2{https://ns.example.com/epcis/}y=1{https://ns.example.com/epcis/}y=3',
    );
  });

  it('orders quantity elements, persistent dispositions and sources, identifier before type', () => {
    const s = preHashString({
      type: 'AggregationEvent',
      eventTime: '2026-01-01T00:00:00Z',
      eventTimeZoneOffset: '+00:00',
      parentID: 'urn:epc:id:sscc:4061234.0000000010',
      childQuantityList: [
        { epcClass: 'urn:epc:idpat:sgtin:4061234.010001.*', quantity: 10 },
        { epcClass: 'urn:epc:class:lgtin:4061234.010001.A1', quantity: 200.5, uom: 'KGM' },
      ],
      action: 'ADD',
      persistentDisposition: { unset: ['completeness_inferred'], set: ['completeness_verified'] },
      destinationList: [{ type: 'location', destination: 'urn:epc:id:sgln:4012345.00001.0' }],
    });
    expect(s).toBe(
      'eventType=AggregationEventeventTime=2026-01-01T00:00:00.000ZeventTimeZoneOffset=+00:00' +
        'parentID=https://id.gs1.org/00/040612340000000101' +
        'childQuantityListquantityElementepcClass=https://id.gs1.org/01/04061234100016/10/A1quantity=200.5uom=KGM' +
        'quantityElementepcClass=https://id.gs1.org/01/04061234100016quantity=10' +
        'action=ADD' +
        'persistentDispositionset=https://ref.gs1.org/cbv/Disp-completeness_verifiedunset=https://ref.gs1.org/cbv/Disp-completeness_inferred' +
        'destinationListdestination=https://id.gs1.org/414/4012345000016type=https://ref.gs1.org/cbv/SDT-location',
    );
  });

  it.each([
    ['2005-04-03T20:33:31.116000-06:00', '2005-04-04T02:33:31.116Z'],
    ['2023-01-18T11:04:03.1415Z', '2023-01-18T11:04:03.142Z'],
    ['2023-01-18T11:04:03.9996Z', '2023-01-18T11:04:04.000Z'],
    ['2026-12-31T23:30:00-01:00', '2027-01-01T00:30:00.000Z'],
    ['2019-04-02T15:00:00+01:00', '2019-04-02T14:00:00.000Z'],
  ])('time %s is %s', (input, expected) => {
    expect(canonicalTime(input)).toBe(expected);
  });

  // EPC Tag Data Standard URIs and their GS1 Digital Link equivalents; check digits computed by the
  // GS1 General Specifications algorithm.
  it.each([
    ['urn:epc:id:sgtin:0614141.812345.6789', 'https://id.gs1.org/01/80614141123458/21/6789'],
    ['urn:epc:id:sgtin:0614141.812345.a%2Fb', 'https://id.gs1.org/01/80614141123458/21/a%2Fb'],
    ['urn:epc:id:sscc:0614141.1234567890', 'https://id.gs1.org/00/106141412345678908'],
    ['urn:epc:id:sgln:0614141.12345.400', 'https://id.gs1.org/414/0614141123452/254/400'],
    ['urn:epc:id:sgln:0614141.12345.0', 'https://id.gs1.org/414/0614141123452'],
    ['urn:epc:id:pgln:0614141.12345', 'https://id.gs1.org/417/0614141123452'],
    ['urn:epc:class:lgtin:4012345.012345.998877', 'https://id.gs1.org/01/04012345123456/10/998877'],
    ['urn:epc:idpat:sgtin:4012345.098765.*', 'https://id.gs1.org/01/04012345987652'],
    ['urn:epc:id:giai:4000001.111', 'https://id.gs1.org/8004/4000001111'],
    ['urn:epc:id:grai:0614141.12345.400', 'https://id.gs1.org/8003/00614141123452400'],
    ['urn:epc:id:gsrn:0614141.1234567890', 'https://id.gs1.org/8018/061414112345678902'],
    ['urn:epc:id:gdti:0614141.12345.400', 'https://id.gs1.org/253/0614141123452400'],
  ])('%s is %s', (urn, dl) => {
    expect(epcToDigitalLink(urn)).toBe(dl);
  });

  it('constrains Digital Links to id.gs1.org, no query string, finest key level', () => {
    expect(canonicalIdentifier('https://example.com/some/prefix/01/9506000134352/22/A/10/L1/21/S1?17=270331&linkType=all')).toBe(
      'https://id.gs1.org/01/09506000134352/21/S1',
    );
    expect(canonicalIdentifier('https://example.com/01/09506000134352/10/L1')).toBe('https://id.gs1.org/01/09506000134352/10/L1');
    expect(canonicalIdentifier('http://transaction.acme.com/po/12345678')).toBe('http://transaction.acme.com/po/12345678');
    expect(canonicalIdentifier('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toBe('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
  });
});
