/**
 * GS1 mod-10 check digits and the numeric identification keys that carry one
 * (GTIN, GLN, SSCC).
 *
 * Algorithm: GS1 General Specifications §7.9.1 (standard check digit
 * calculation). Weights 3 and 1 alternate starting with 3 on the digit
 * immediately to the left of the check digit; the check digit brings the
 * weighted sum up to the next multiple of ten.
 */
import { Gs1Error, assertDigits, quote } from './errors.ts';

/**
 * Check digit for `digits`, which must NOT include the check digit itself.
 * Works for every GS1 key length (GTIN-8 … SSCC, GSIN, …).
 */
export function computeCheckDigit(digits: string): number {
  assertDigits(digits, 'check digit input', 'the digits of a GS1 key without its check digit');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // i counts from the rightmost data digit, which has weight 3.
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when `full` is all digits (at least two) and its last digit is the correct check digit. */
export function hasValidCheckDigit(full: string): boolean {
  if (!/^[0-9]{2,}$/.test(full)) return false;
  return computeCheckDigit(full.slice(0, -1)) === Number(full.charAt(full.length - 1));
}

/** Shared checks for a numeric key: digits only, allowed length, check digit. */
function assertNumericKey(
  value: string,
  part: string,
  noun: string,
  lengths: readonly number[],
  lengthText: string,
): void {
  assertDigits(value, part, `a ${noun} of ${lengthText}`);
  if (!lengths.includes(value.length)) {
    throw new Gs1Error(
      `${part} ${quote(value)} has ${value.length} digits; expected a ${noun} of ${lengthText}.`,
      part,
      'length',
    );
  }
  const expected = computeCheckDigit(value.slice(0, -1));
  const actual = value.charAt(value.length - 1);
  if (String(expected) !== actual) {
    throw new Gs1Error(
      `${part} ${quote(value)} has check digit ${actual}; expected ${expected} (${noun} ${value.slice(0, -1)}${expected}).`,
      part,
      'check-digit',
    );
  }
}

/**
 * Validate a GTIN-8, GTIN-12, GTIN-13 or GTIN-14 and return it as a GTIN-14
 * (left-padded with zeros: GS1 General Specifications, GTIN data structures
 * are right-justified in a 14-digit field).
 */
export function assertGtin(value: string, part = 'AI (01) GTIN'): string {
  assertNumericKey(value, part, 'GTIN', [8, 12, 13, 14], '8, 12, 13 or 14 digits');
  return value.padStart(14, '0');
}

/** Validate a 13-digit GLN (GS1 General Specifications, GLN data structure) and return it. */
export function assertGln(value: string, part = 'GLN'): string {
  assertNumericKey(value, part, 'GLN', [13], '13 digits');
  return value;
}

/** Validate an 18-digit SSCC (GS1 General Specifications, SSCC data structure) and return it. */
export function assertSscc(value: string, part = 'AI (00) SSCC'): string {
  assertNumericKey(value, part, 'SSCC', [18], '18 digits');
  return value;
}
