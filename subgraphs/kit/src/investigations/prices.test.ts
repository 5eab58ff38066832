import { describe, expect, it } from 'vitest';
import { ATTR } from '../epcis/vocabulary.ts';
import { checkSale, isAuthorized, partyGln, readPriceList, readTradingPartners, type SaleFacts, type TradingRules } from './prices.ts';

const M = '4061234000002';
const NORTHLINE = '4012345000009';
const HARBOR = '4023456000000';
const ROSEN = '4056789000003';
const ELBE = '4067890000004';
const GTIN = '04061234100016';

const price = (id: string, attrs: Record<string, unknown>) => ({
  key: id,
  owner: M,
  attributes: { [ATTR.gtin]: GTIN, [ATTR.currency]: 'EUR', [ATTR.region]: 'DE', [ATTR.validFrom]: '2026-01-01', [ATTR.validTo]: '2026-12-31', ...attrs },
});
const partner = (gln: string, authorization: string) => ({
  key: `urn:tracefed:tp:${gln}`,
  owner: M,
  attributes: { [ATTR.partner]: `/417/${gln}`, [ATTR.authorization]: authorization },
});

const rules: TradingRules = {
  priceList: readPriceList([
    price('list', { [ATTR.priceType]: 'list', [ATTR.channel]: 'wholesale', [ATTR.amount]: 4.2 }),
    price('max', { [ATTR.priceType]: 'maximum', [ATTR.amount]: 5.04 }),
    price('contract', { [ATTR.priceType]: 'contract', [ATTR.channel]: 'wholesale', [ATTR.amount]: 4.49, [ATTR.seller]: `/417/${NORTHLINE}`, [ATTR.buyer]: `/417/${HARBOR}` }),
    price('broken', { [ATTR.priceType]: 'discount', [ATTR.amount]: 1 }),
  ]),
  partners: readTradingPartners([partner(NORTHLINE, 'distributor'), partner(HARBOR, 'distributor'), partner(ROSEN, 'licensed_buyer'), partner(ELBE, 'friend')]),
};

const sale = (seller: string, buyer: string, role: string, unitPrice: number | null): SaleFacts => ({
  eventID: `urn:uuid:${seller}-${buyer}`,
  soldAt: '2026-05-20T08:00:00.000Z',
  seller: { gln: seller, name: null, role: 'distributor', country: 'DE' },
  buyer: { gln: buyer, name: null, role, country: 'DE' },
  unitPrice,
  currency: 'EUR',
});

describe('price lists and trading partners from master data', () => {
  it('reads entries and skips malformed ones', () => {
    expect(rules.priceList.map((p) => p.id)).toEqual(['list', 'max', 'contract']);
    expect(rules.priceList[2]).toMatchObject({ seller: NORTHLINE, buyer: HARBOR, priceType: 'contract' });
    expect(rules.partners.map((p) => p.partner)).toEqual([NORTHLINE, HARBOR, ROSEN]);
    expect(partyGln('https://id.gs1.org/417/4012345000009')).toBe(NORTHLINE);
    expect(partyGln('nonsense')).toBeNull();
  });

  it('knows who may sell and who may buy', () => {
    expect(isAuthorized(rules, HARBOR, GTIN, '2026-05-20', 'seller')).toBe(true);
    expect(isAuthorized(rules, ROSEN, GTIN, '2026-05-20', 'seller')).toBe(false);
    expect(isAuthorized(rules, ROSEN, GTIN, '2026-05-20', 'buyer')).toBe(true);
    expect(isAuthorized(rules, M, GTIN, '2026-05-20', 'seller')).toBe(true);
    expect(isAuthorized({ priceList: [], partners: [] }, ELBE, GTIN, '2026-05-20', 'buyer')).toBeNull();
  });
});

describe('checkSale', () => {
  it('accepts sales at the contract price and under the maximum', () => {
    expect(checkSale(rules, GTIN, sale(NORTHLINE, HARBOR, 'distributor', 4.49), 0)).toEqual([]);
    expect(checkSale(rules, GTIN, sale(HARBOR, ROSEN, 'dispenser', 4.96), 0)).toEqual([]);
    // A list price is measured within the tolerance, both ways.
    expect(checkSale(rules, GTIN, sale(M, NORTHLINE, 'distributor', 4.3), 0.05)).toEqual([]);
    expect(checkSale(rules, GTIN, sale(M, NORTHLINE, 'distributor', 3.9), 0.05).map((f) => f.code)).toEqual(['DEVIATES_FROM_LIST']);
  });

  it('flags a diverted sale to an unlicensed buyer above the maximum price, with the evidence', () => {
    const findings = checkSale(rules, GTIN, sale(HARBOR, ELBE, 'distributor', 6.2), 0.05);
    expect(findings.map((f) => f.code)).toEqual(['UNAUTHORIZED_BUYER', 'DEVIATES_FROM_LIST', 'ABOVE_MAXIMUM']);
    const max = findings[2]!;
    expect(max.reference?.id).toBe('max');
    expect(max.deviation).toBeCloseTo(0.2302, 4);
    expect(max.message).toContain('6.20 EUR, 23.0% above the maximum price of 5.04 EUR in DE');
    expect(max.eventIDs).toEqual([`urn:uuid:${HARBOR}-${ELBE}`]);
    expect(max.partners).toEqual([HARBOR, ELBE, M]);
  });

  it('flags a contract price broken, and a seller that is not authorized', () => {
    expect(checkSale(rules, GTIN, sale(NORTHLINE, HARBOR, 'distributor', 4.0), 0.05).map((f) => f.code)).toEqual(['DEVIATES_FROM_CONTRACT']);
    expect(checkSale(rules, GTIN, sale(ELBE, ROSEN, 'dispenser', 4.5), 0.05).map((f) => f.code)).toEqual(['UNAUTHORIZED_SELLER']);
  });

  it('does not compare prices in another currency or outside the validity period', () => {
    expect(checkSale(rules, GTIN, { ...sale(HARBOR, ROSEN, 'dispenser', 9), currency: 'USD' }, 0)).toEqual([]);
    expect(checkSale(rules, GTIN, { ...sale(HARBOR, ROSEN, 'dispenser', 9), soldAt: '2027-01-02T00:00:00Z' }, 0)).toEqual([]);
    expect(checkSale(rules, GTIN, sale(HARBOR, ROSEN, 'dispenser', null), 0)).toEqual([]);
  });
});
