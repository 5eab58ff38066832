import { describe, expect, it } from 'vitest';
import { describeRequestError, parseVerificationUrl, validateVerificationRequest } from './lms.ts';

const url = (path: string) => new URL(path, 'http://responder.example');
const UUID = '5b1c3f0e-9a6d-4c7e-8f21-0d3a6b9e4c12';

describe('parseVerificationUrl', () => {
  it('reads the GS1 Lightweight Messaging request', () => {
    expect(
      parseVerificationUrl(url(`/verification/gtin/04061234100016/lot/AML2601/ser/U29TPR9UKH?exp=280131&reqGLN=4056789000003&corrUUID=${UUID}&context=dscsaSaleableReturn`)),
    ).toEqual({
      gtin: '04061234100016',
      serial: 'U29TPR9UKH',
      lot: 'AML2601',
      expiry: '2028-01-31',
      reqGLN: '4056789000003',
      corrUUID: UUID,
      context: 'dscsaSaleableReturn',
    });
  });

  it('decodes percent-escapes and reads day 00 as the end of the month', () => {
    const r = parseVerificationUrl(url('/verification/gtin/04061234100016/lot/A%2FB/ser/X%25Y?exp=280200'));
    expect(r).toMatchObject({ lot: 'A/B', serial: 'X%Y', expiry: '2028-02-29', reqGLN: null, corrUUID: null });
  });

  const bad: Array<[string, RegExp]> = [
    ['/verification/gtin/04061234100017/lot/L/ser/S', /check digit/],
    ['/verification/gtin/4061234100016/lot/L/ser/S', /GTIN-14/],
    ['/verification/gtin/04061234100016/lot/L/ser/S?exp=281331', /month 13/],
    ['/verification/gtin/04061234100016/lot/L/ser/S?reqGLN=4056789000002', /check digit/],
    ['/verification/gtin/04061234100016/lot/L/ser/S?corrUUID=nope', /not a UUID/],
    ['/verification/gtin/04061234100016/lot/L/ser/S%E2%82%AC', /character set 82/],
    ['/verification/gtin/04061234100016/lot/L/ser/%ZZ', /percent-escape/],
    ['/verification/gtin/04061234100016/lot//ser/S', /lot \(AI 10\) is empty/],
    ['/verification/gtin/04061234100016/ser/S', /expected \/verification\/gtin/],
  ];
  it.each(bad)('refuses %s, naming the bad part', (path, reason) => {
    let error: unknown;
    try {
      parseVerificationUrl(url(path));
    } catch (e) {
      error = e;
    }
    const described = describeRequestError(error);
    expect(described, path).not.toBeNull();
    expect(described!.message).toMatch(reason);
  });
});

describe('validateVerificationRequest', () => {
  it('accepts a short GTIN and an ISO expiry from GraphQL, and leaves out what was not given', () => {
    expect(validateVerificationRequest({ gtin: '4061234100016', serial: 'S', expiry: '2028-01-31' })).toMatchObject({
      gtin: '04061234100016',
      lot: null,
      expiry: '2028-01-31',
    });
    expect(() => validateVerificationRequest({ gtin: '04061234100016', serial: 'S', expiry: '2028-02-30' })).toThrow(/not a real calendar date/);
    expect(() => validateVerificationRequest({ gtin: '04061234100016', serial: 'S'.repeat(21) })).toThrow(/at most 20/);
  });
});
