/**
 * Error type shared by the whole GS1 toolkit.
 *
 * Every failure in this folder is reported as a `Gs1Error` so callers can
 * show `message` to a user as-is, and branch on `part` / `reason` in code.
 */

/**
 * Machine-readable reasons used by this toolkit. `Gs1Error.reason` is typed as
 * a plain string (so callers can add their own), but the toolkit only ever
 * produces these values.
 */
export type Gs1ErrorReason =
  | 'empty' // nothing where a value was required
  | 'length' // wrong number of characters / digits
  | 'non-digit' // a numeric field contains something other than 0-9
  | 'check-digit' // GS1 mod-10 check digit mismatch
  | 'charset' // character outside GS1 AI encodable character set 82
  | 'date' // impossible date / time
  | 'unknown-ai' // Application Identifier not in the toolkit's table
  | 'duplicate-ai' // the same AI twice with different values
  | 'syntax' // the input does not have the expected shape
  | 'escape' // bad percent-escape (%HH)
  | 'qualifier-order' // Digital Link key qualifiers out of order / misplaced
  | 'missing-key' // no GS1 primary key found
  | 'ambiguous-key' // more than one GS1 primary key
  | 'unsupported' // recognised but not supported form / scheme
  | 'company-prefix' // bad GS1 Company Prefix length for an EPC URN
  | 'wrong-kind'; // a valid identifier, but not the kind that was required

export class Gs1Error extends Error {
  /**
   * @param message full sentence for a human: names the part, the bad value
   *   and what was expected.
   * @param part the part of the input that is wrong, e.g. "AI (01) GTIN",
   *   "serial (AI 21)", "Digital Link path", "EPC URN company prefix".
   * @param reason short machine-readable reason, see {@link Gs1ErrorReason}.
   */
  constructor(
    message: string,
    readonly part: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'Gs1Error';
  }
}

/** Quote a value for an error message (JSON quoting makes control characters such as GS visible). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** Position (1-based) and character of the first non-digit, or undefined when all are digits. */
export function firstNonDigit(value: string): { char: string; position: number } | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return { char: value.charAt(i), position: i + 1 };
  }
  return undefined;
}

/** Throw a Gs1Error unless `value` is one or more ASCII digits. */
export function assertDigits(value: string, part: string, expected: string): void {
  if (value.length === 0) {
    throw new Gs1Error(`${part} is empty; expected ${expected}.`, part, 'empty');
  }
  const bad = firstNonDigit(value);
  if (bad) {
    throw new Gs1Error(
      `${part} ${quote(value)} contains ${quote(bad.char)} at position ${bad.position}; expected ${expected}.`,
      part,
      'non-digit',
    );
  }
}
