/** Assertion helpers shared by the gs1 test files (not part of the public API). */
import { expect } from 'vitest';
import { Gs1Error } from './errors.ts';

/** Run `fn` and return the Gs1Error it throws; fail the test if it throws nothing or something else. */
export function catchGs1Error(fn: () => unknown): Gs1Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Gs1Error) return error;
    throw error;
  }
  throw new Error('expected a Gs1Error, but nothing was thrown');
}

export interface ExpectedError {
  part: string;
  reason?: string;
  /** Fragments the message must contain, e.g. the bad value. */
  mentions?: readonly string[];
}

/** Assert that `fn` throws a Gs1Error with the given part / reason whose message names `mentions`. */
export function expectGs1Error(fn: () => unknown, expected: ExpectedError): Gs1Error {
  const error = catchGs1Error(fn);
  expect(error.name).toBe('Gs1Error');
  expect(error.part).toBe(expected.part);
  if (expected.reason !== undefined) expect(error.reason).toBe(expected.reason);
  for (const fragment of expected.mentions ?? []) expect(error.message).toContain(fragment);
  // Messages are sentences, not bare codes.
  expect(error.message).toMatch(/[.]$/);
  return error;
}

/** ASCII GS (FNC1 as transmitted by scanners). */
export const GS = '\u001d';
