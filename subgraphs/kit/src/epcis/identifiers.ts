import { canonicalKey, Gs1Error, parseIdentifier, type Gs1Identifier } from '../gs1/index.ts';

/**
 * Canonical key for any identifier an event names: GS1 keys become their Digital Link path
 * (`/01/…/21/…`), whichever form they were written in; other URIs (GIAI, private schemes) are kept as
 * given. A value that is meant as a GS1 key but is malformed (bad check digit, wrong length) throws the
 * toolkit's Gs1Error, which names the bad part.
 */
export function identifierKey(value: string): { key: string; id?: Gs1Identifier } {
  try {
    const id = parseIdentifier(value);
    return { key: canonicalKey(id), id };
  } catch (error) {
    if (error instanceof Gs1Error && looksLikeGs1(value)) throw error;
    return { key: value };
  }
}

function looksLikeGs1(value: string): boolean {
  return (
    /^urn:epc:(id|class|idpat):(sgtin|sscc|sgln|pgln|lgtin):/i.test(value) ||
    /^https?:\/\/[^/]+\/(.*\/)?(01|00|414|417)\/\d/i.test(value)
  );
}
