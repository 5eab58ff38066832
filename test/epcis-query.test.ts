/**
 * The EPCIS 2.0 query interface on every node, over real HTTP against the demo network: the
 * SimpleEventQuery parameters, paging, single events and per-identifier resources, and identifiers
 * that match whichever form (EPC URN or GS1 Digital Link, any host) they were captured or asked in.
 * Queries are asked as the investigator, who sees every partner's events (a partner sees its own only:
 * see epcis-capture.test.ts, "who may capture").
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCheckDigit, formatIdpatSgtinUrn, formatLgtinUrn, formatSglnUrn, formatSgtinUrn, formatSsccUrn, toDigitalLink } from '@tracefed/kit/gs1/index';
import { validateDocument } from '@tracefed/kit/epcis/validate';
import { startNetwork, type Network, type NodeName } from './harness.ts';

const CPL = 7;
let net: Network;

beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

interface QueryReply {
  status: number;
  events: any[];
  body: any;
  next: string | null;
}

async function query(node: NodeName, path: string, params: Record<string, string | string[]> = {}): Promise<QueryReply> {
  const url = new URL(path, net.subgraphs[node].url);
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
  const response = await fetch(url, { headers: await net.authHeaders('fraud-unit') });
  const body = (await response.json()) as any;
  const link = response.headers.get('link');
  return {
    status: response.status,
    body,
    events: body?.epcisBody?.queryResults?.resultsBody?.eventList ?? [],
    next: link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? null : null,
  };
}
const events = (node: NodeName, params: Record<string, string | string[]> = {}) => query(node, '/epcis/events', params);
const ids = (reply: QueryReply) => reply.events.map((e) => e.eventID as string);

describe('GET /epcis/events', () => {
  it('answers with an EPCISQueryDocument that is itself valid EPCIS 2.0', async () => {
    const reply = await events('distributor', { perPage: '5' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ type: 'EPCISQueryDocument', schemaVersion: '2.0', epcisBody: { queryResults: { queryName: 'SimpleEventQuery' } } });
    expect(reply.events).toHaveLength(5);
    for (const e of reply.events) expect(typeof e.recordTime).toBe('string');
    const verdict = validateDocument(reply.body);
    expect(verdict.ok ? [] : verdict.problems).toEqual([]);
  });

  describe('either identifier form matches', () => {
    const hero = () => net.demo.heroUnit;
    it('a unit the manufacturer captured as an EPC URN is found by its Digital Link (any host), and by its URN', async () => {
      const byLink = await events('manufacturer', { MATCH_epc: toDigitalLink({ kind: 'sgtin', gtin: hero().gtin, serial: hero().serial }, 'https://any.host.example') });
      const byUrn = await events('manufacturer', { MATCH_epc: formatSgtinUrn(hero().gtin, hero().serial, CPL) });
      expect(byLink.events.length).toBeGreaterThan(0);
      expect(ids(byLink)).toEqual(ids(byUrn));
      expect(byLink.events.every((e) => JSON.stringify(e).includes(`urn:epc:id:sgtin:`))).toBe(true);
      expect(byLink.events.map((e) => e.bizStep)).toEqual(expect.arrayContaining(['commissioning', 'packing']));
    });
    it('a unit the dispenser captured as a Digital Link is found by its EPC URN', async () => {
      const byUrn = await events('dispenser', { MATCH_epc: formatSgtinUrn(hero().gtin, hero().serial, CPL) });
      const dispensing = byUrn.events.find((e) => e.bizStep === 'dispensing');
      expect(dispensing.epcList[0]).toMatch(/^https:\/\/scan\.rosen\.example\/01\//);
    });
    it('a pallet the distributor received as a Digital Link is found by its SSCC URN through MATCH_anyEPC and MATCH_parentID', async () => {
      const pallet = net.demo.pallets[0]!.sscc;
      const any = await events('distributor', { MATCH_anyEPC: formatSsccUrn(pallet, CPL), perPage: '100' });
      expect(any.events.map((e) => e.bizStep).sort()).toEqual(['receiving', 'receiving', 'unpacking']);
      const parent = await events('distributor', { MATCH_parentID: formatSsccUrn(pallet, CPL) });
      expect(parent.events.every((e) => e.type === 'AggregationEvent')).toBe(true);
      expect(parent.events).toHaveLength(2);
    });
  });

  it('MATCH_epc takes a pattern: every serial of a GTIN (urn:epc:idpat:sgtin:…)', async () => {
    const metformin = net.demo.products.metformin.gtin;
    const reply = await events('manufacturer', { MATCH_epc: formatIdpatSgtinUrn(metformin, CPL), eventType: 'ObjectEvent' });
    expect(reply.events.length).toBeGreaterThan(0);
    expect(reply.events.every((e) => e.bizStep === 'commissioning')).toBe(true);
    const other = await events('manufacturer', { MATCH_epc: formatIdpatSgtinUrn(net.demo.products.amlodipine.gtin, CPL), eventType: 'ObjectEvent' });
    expect(ids(other).filter((id) => ids(reply).includes(id))).toEqual([]);
  });

  it('MATCH_epcClass and MATCH_anyEPCClass find class-level events in either form', async () => {
    const [lot] = net.demo.lots;
    const gtin = net.demo.products[lot!.product].gtin;
    const byUrn = await events('manufacturer', { MATCH_anyEPCClass: formatLgtinUrn(gtin, lot!.lot, CPL) });
    const byLink = await events('manufacturer', { MATCH_anyEPCClass: `https://id.gs1.org/01/${gtin}/10/${lot!.lot}` });
    expect(byUrn.events.map((e) => e.type)).toEqual(['TransformationEvent']);
    expect(ids(byLink)).toEqual(ids(byUrn));
    const api = `0690123420001${computeCheckDigit('0690123420001')}`; // the demo's amlodipine API (GTIN of Huayang)
    const receipts = await events('manufacturer', { MATCH_epcClass: formatLgtinUrn(api, 'HY-AMB-2511', CPL) });
    expect(receipts.events.map((e) => e.bizStep)).toEqual(['receiving']);
  });

  it('MATCH_inputEPC and MATCH_outputEPC match the inputs and outputs of a TransformationEvent', async () => {
    const m = net.demo.parties.meridian;
    const a = net.demo.units[40]!;
    const b = net.demo.units[41]!;
    const eventID = `urn:uuid:${randomUUID()}`;
    const capture = await fetch(new URL('/epcis/capture', net.subgraphs.manufacturer.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await net.tokenOfGln(m.gln)}` },
      body: JSON.stringify({
        '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
        type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-11-28T00:00:00Z',
        epcisBody: { eventList: [{
          type: 'TransformationEvent', eventID, eventTime: '2026-08-01T10:00:00Z', eventTimeZoneOffset: '+00:00',
          inputEPCList: [formatSgtinUrn(a.gtin, a.serial, CPL)], outputEPCList: [toDigitalLink({ kind: 'sgtin', gtin: b.gtin, serial: b.serial })],
          bizStep: 'repackaging',
        }] },
      }),
    });
    expect(capture.status).toBe(202);
    const asInput = await events('manufacturer', { MATCH_inputEPC: toDigitalLink({ kind: 'sgtin', gtin: a.gtin, serial: a.serial }) });
    const asOutput = await events('manufacturer', { MATCH_outputEPC: formatSgtinUrn(b.gtin, b.serial, CPL) });
    expect(ids(asInput)).toEqual([eventID]);
    expect(ids(asOutput)).toEqual([eventID]);
    expect(ids(await events('manufacturer', { MATCH_outputEPC: formatSgtinUrn(a.gtin, a.serial, CPL) }))).toEqual([]);
  });

  it('EQ_bizStep and EQ_disposition take the bare word, the CBV URN or the web URI', async () => {
    const bare = await events('dispenser', { EQ_bizStep: 'destroying', EQ_disposition: 'destroyed' });
    const urn = await events('dispenser', { EQ_bizStep: 'urn:epcglobal:cbv:bizstep:destroying', EQ_disposition: 'urn:epcglobal:cbv:disp:destroyed' });
    const web = await events('dispenser', { EQ_bizStep: 'https://ref.gs1.org/cbv/BizStep-destroying', EQ_disposition: 'https://ref.gs1.org/cbv/Disp-destroyed' });
    expect(bare.events.length).toBeGreaterThan(0);
    expect(bare.events.every((e) => e.bizStep === 'destroying' && e.disposition === 'destroyed')).toBe(true);
    expect(ids(urn)).toEqual(ids(bare));
    expect(ids(web)).toEqual(ids(bare));
    const either = await events('dispenser', { EQ_disposition: 'destroyed|stolen|expired', perPage: '1000' });
    expect(new Set(either.events.map((e) => e.disposition))).toEqual(new Set(['destroyed', 'stolen', 'expired']));
    const repeated = await events('dispenser', { EQ_disposition: ['destroyed', 'stolen', 'expired'], perPage: '1000' });
    expect(ids(repeated)).toEqual(ids(either));
  });

  it('EQ_readPoint and EQ_bizLocation match a location in any form', async () => {
    const rosen = net.demo.parties.rosen;
    const byLink = await events('dispenser', { EQ_bizLocation: toDigitalLink({ kind: 'sgln', gln: rosen.site.gln }), perPage: '1000' });
    const byUrn = await events('dispenser', { EQ_bizLocation: formatSglnUrn(rosen.site.gln, '0', CPL), perPage: '1000' });
    expect(byLink.events.length).toBeGreaterThan(10);
    expect(ids(byUrn)).toEqual(ids(byLink));
    const readPoint = await events('dispenser', { EQ_readPoint: formatSglnUrn(rosen.site.gln, '0', CPL), perPage: '1000' });
    expect(ids(readPoint).sort()).toEqual(ids(byLink).sort());
  });

  it('GE_eventTime/LT_eventTime and GE_recordTime/LT_recordTime bound the events', async () => {
    const march = await events('distributor', { GE_eventTime: '2026-03-20T00:00:00Z', LT_eventTime: '2026-03-22T00:00:00Z', perPage: '1000' });
    expect(march.events.length).toBeGreaterThan(0);
    for (const e of march.events) {
      const t = Date.parse(e.eventTime);
      expect(t).toBeGreaterThanOrEqual(Date.parse('2026-03-20T00:00:00Z'));
      expect(t).toBeLessThan(Date.parse('2026-03-22T00:00:00Z'));
    }
    const all = await events('distributor', { perPage: '1000' });
    const future = await events('distributor', { GE_recordTime: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.events).toEqual([]);
    const past = await events('distributor', { LT_recordTime: new Date(Date.now() + 3_600_000).toISOString(), perPage: '1000' });
    expect(past.events.length).toBe(all.events.length);
  });

  it('EQ_eventID selects events, and eventType and EQ_action filter them', async () => {
    const all = await events('dispenser', { perPage: '3' });
    const chosen = ids(all).slice(0, 2);
    expect(ids(await events('dispenser', { EQ_eventID: chosen }))).toEqual(chosen);
    const deletes = await events('dispenser', { eventType: 'ObjectEvent', EQ_action: 'DELETE', perPage: '1000' });
    expect(deletes.events.every((e) => e.type === 'ObjectEvent' && e.action === 'DELETE')).toBe(true);
  });

  it('perPage and nextPageToken walk every event once, in event time order; eventCountLimit caps the total', async () => {
    const all = await events('distributor', { perPage: '1000' });
    const seen: string[] = [];
    let reply = await events('distributor', { perPage: '7' });
    for (let pages = 0; ; pages += 1) {
      expect(reply.events.length).toBeLessThanOrEqual(7);
      seen.push(...ids(reply));
      if (!reply.next) break;
      const response = await fetch(new URL(reply.next, net.subgraphs.distributor.url), { headers: await net.authHeaders('fraud-unit') });
      const body = (await response.json()) as any;
      const link = response.headers.get('link');
      reply = { status: response.status, body, events: body.epcisBody.queryResults.resultsBody.eventList, next: link ? /<([^>]+)>/.exec(link)![1]! : null };
      expect(pages).toBeLessThan(500);
    }
    expect(seen).toEqual(ids(all));
    expect(new Set(seen).size).toBe(seen.length);
    const times = all.events.map((e) => Date.parse(e.eventTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const capped: string[] = [];
    let page = await events('distributor', { perPage: '4', eventCountLimit: '10' });
    capped.push(...ids(page));
    while (page.next) {
      const token = new URL(page.next, 'http://x').searchParams.get('nextPageToken')!;
      page = await events('distributor', { perPage: '4', eventCountLimit: '10', nextPageToken: token });
      capped.push(...ids(page));
    }
    expect(capped).toEqual(ids(all).slice(0, 10));
  });

  it('refuses unknown parameters and malformed values with QueryParameterException, naming each', async () => {
    const reply = await events('manufacturer', {
      MATCH_epc: 'urn:epc:id:sgtin:0614141.10734.2017',
      GE_eventTime: 'yesterday',
      perPage: '0',
      orderBy: 'eventTime',
      nextPageToken: 'not-a-token',
      EQ_action: 'MOVE',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('epcisException:QueryParameterException');
    expect(reply.body.errors.map((p: any) => p.path).sort()).toEqual(['EQ_action', 'GE_eventTime', 'MATCH_epc', 'nextPageToken', 'orderBy', 'perPage']);
    expect(reply.body.errors.find((p: any) => p.path === 'MATCH_epc').reason).toMatch(/13 digits in total/);
  });
});

describe('GET /epcis/events/{eventID} and GET /epcis/epcs/{epc}/events', () => {
  it('returns one event by its (URL-encoded) eventID, 404 for an unknown one', async () => {
    const [first] = (await events('manufacturer', { perPage: '1' })).events;
    const one = await query('manufacturer', `/epcis/events/${encodeURIComponent(first.eventID)}`);
    expect(one.status).toBe(200);
    expect(one.events).toEqual([first]);
    const none = await query('manufacturer', `/epcis/events/${encodeURIComponent('urn:uuid:00000000-0000-4000-8000-000000000000')}`);
    expect(none.status).toBe(404);
    expect(none.body.type).toBe('epcisException:NoSuchResourceException');
  });

  it('lists the events of an identifier given in any form, with the other query parameters', async () => {
    const hero = net.demo.heroUnit;
    const link = toDigitalLink({ kind: 'sgtin', gtin: hero.gtin, serial: hero.serial }, 'https://scan.example');
    const urn = formatSgtinUrn(hero.gtin, hero.serial, CPL);
    const byLink = await query('distributor', `/epcis/epcs/${encodeURIComponent(link)}/events`, { perPage: '100' });
    const byUrn = await query('distributor', `/epcis/epcs/${urn}/events`, { perPage: '100' });
    expect(byLink.status).toBe(200);
    expect(byLink.events.length).toBeGreaterThan(0);
    expect(ids(byUrn)).toEqual(ids(byLink));
    const receipts = await query('distributor', `/epcis/epcs/${urn}/events`, { EQ_bizStep: 'receiving' });
    expect(receipts.events.every((e) => e.bizStep === 'receiving')).toBe(true);
  });

  it('answers 401 with a SecurityException to a query without a partner token', async () => {
    for (const path of ['/epcis/events', `/epcis/events/${encodeURIComponent('urn:uuid:00000000-0000-4000-8000-000000000000')}`, `/epcis/epcs/${formatSgtinUrn(net.demo.heroUnit.gtin, net.demo.heroUnit.serial, CPL)}/events`]) {
      const response = await fetch(new URL(path, net.subgraphs.manufacturer.url));
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toBe('Bearer realm="tracefed"');
      expect(((await response.json()) as any).type, path).toBe('epcisException:SecurityException');
    }
  });

  it('answers 405 for a method the resource does not have and 404 outside the binding', async () => {
    const wrong = await fetch(new URL('/epcis/events', net.subgraphs.dispenser.url), { method: 'DELETE', headers: await net.authHeaders('fraud-unit') });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await query('dispenser', '/epcis/queries')).status).toBe(404);
  });
});
