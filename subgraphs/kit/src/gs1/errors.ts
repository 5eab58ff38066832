/**
 * Error type shared by the whole GS1 toolkit.
 *
 * Every failure in this folder is reported as a `Gs1Error` so callers can
 * show `message` to a user as-is, and branch on `part` / `reason` in code;
 * the `try…` functions return the same three as a {@link Gs1Failure} instead.
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

/**
 * A failed parse as a value: what a {@link Gs1Error} would say, without an exception. Callers that
 * meet many values which are not GS1 keys at all (an EPCIS document's business transaction IDs,
 * event IDs, vocabulary URIs) use the `try…` functions that return this: building an Error captures a
 * stack trace, which cost more than the parse itself on that path.
 */
export interface Gs1Failure {
  readonly ok: false;
  readonly message: string;
  readonly part: string;
  readonly reason: string;
}

/** The value, or why there is none. */
export type Gs1Result<T> = { readonly ok: true; readonly value: T } | Gs1Failure;

/**
 * A failure. The message may be given as a function, called when the message is first read: a
 * caller that only needs to know that a value is not a GS1 key never pays for the sentence.
 */
export function gs1Failure(message: string | (() => string), part: string, reason: Gs1ErrorReason): Gs1Failure {
  return typeof message === 'string' ? { ok: false, message, part, reason } : new LazyFailure(message, part, reason);
}

class LazyFailure implements Gs1Failure {
  readonly ok = false;
  #message: string | (() => string);
  constructor(
    message: () => string,
    readonly part: string,
    readonly reason: string,
  ) {
    this.#message = message;
  }
  get message(): string {
    if (typeof this.#message !== 'string') this.#message = this.#message();
    return this.#message;
  }
}

/** The failure a thrown Gs1Error describes. */
export function failureOf(error: Gs1Error): Gs1Failure {
  return { ok: false, message: error.message, part: error.part, reason: error.reason };
}

/** The value of a result, or its failure thrown as the Gs1Error the throwing API has always raised. */
export function unwrapGs1<T>(result: Gs1Result<T>): T {
  if (result.ok) return result.value;
  throw new Gs1Error(result.message, result.part, result.reason);
}
