import { Gs1Error, tryCanonicalKey, type Gs1Failure, type Gs1Identifier } from '../gs1/index.ts';

/** The canonical key of an identifier, or why a value meant as a GS1 key is malformed. */
export type IdentifierKeyResult = { ok: true; key: string; id?: Gs1Identifier } | Gs1Failure;

/**
 * Canonical key for any identifier an event names: GS1 keys become their Digital Link path
 * (`/01/…/21/…`), whichever form they were written in; other URIs (GIAI, private schemes) are kept as
 * given. A value that is meant as a GS1 key but is malformed (bad check digit, wrong length) is a
 * failure naming the bad part. No exception on any path: most URIs in a document are not GS1 keys
 * (event IDs, business transactions, one's own vocabulary), and throwing and catching an error for each
 * cost more than parsing them (bench/results/capture-parse-once-2026-11-28.md).
 */
export function tryIdentifierKey(value: string): IdentifierKeyResult {
  const parsed = tryCanonicalKey(value);
  if (parsed.ok) return { ok: true, key: parsed.value.key, id: parsed.value.id };
  return looksLikeGs1(value) ? parsed : { ok: true, key: value };
}

/** tryIdentifierKey for callers that want the toolkit's Gs1Error, naming the bad part, thrown. */
export function identifierKey(value: string): { key: string; id?: Gs1Identifier } {
  const result = tryIdentifierKey(value);
  if (!result.ok) throw new Gs1Error(result.message, result.part, result.reason);
  return result.id ? { key: result.key, id: result.id } : { key: result.key };
}

const GS1_EPC_URN = /^urn:epc:(id|class|idpat):(sgtin|sscc|sgln|pgln|lgtin):/i;
const GS1_DIGITAL_LINK = /^https?:\/\/[^/]+\/(.*\/)?(01|00|414|417)\/\d/i;

/** Values meant as GS1 keys: a malformed one is an error, not a private identifier. */
function looksLikeGs1(value: string): boolean {
  return GS1_EPC_URN.test(value) || GS1_DIGITAL_LINK.test(value);
}
