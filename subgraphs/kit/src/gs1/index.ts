/**
 * GS1 identifier toolkit: check digits, Application Identifiers, element
 * strings, GS1 Digital Link URIs, EPC URNs and the canonical identifier key.
 * Pure functions, no I/O. Every failure is a {@link Gs1Error}, or for the `try…`
 * functions a Gs1Failure value saying the same.
 */
export { Gs1Error } from './errors.ts';
export type { Gs1ErrorReason, Gs1Failure, Gs1Result } from './errors.ts';

export { computeCheckDigit, hasValidCheckDigit, assertGtin, assertGln, assertSscc } from './checkDigit.ts';

export {
  AI_TABLE,
  PREDEFINED_LENGTH_AI_PREFIXES,
  getAi,
  isPredefinedLengthAi,
  validateAiValue,
  parseAiDate,
  formatAiDate,
  aiYear,
  assertCset82,
  isCset82,
} from './ai.ts';
export type { AiDefinition, AiCharset } from './ai.ts';

export { parseElementString, formatElementString, GS, GS1_SYMBOLOGY_IDENTIFIERS } from './elementString.ts';
export type { AiValue } from './elementString.ts';

export {
  parseDigitalLink,
  parseDigitalLinkParts,
  formatDigitalLink,
  encodeDigitalLinkValue,
  DIGITAL_LINK_PRIMARY_KEYS,
} from './digitalLink.ts';

export {
  parseEpcUrn,
  formatSgtinUrn,
  formatSsccUrn,
  formatSglnUrn,
  formatPglnUrn,
  formatLgtinUrn,
  formatIdpatSgtinUrn,
  escapeEpcComponent,
  unescapeEpcComponent,
} from './epcUrn.ts';
export type { EpcUrn } from './epcUrn.ts';

export {
  parseIdentifier,
  tryParseIdentifier,
  parseUnitCode,
  canonicalKey,
  toCanonicalKey,
  tryCanonicalKey,
  unitKey,
  toDigitalLink,
  toEpcUrn,
  identifierToAis,
} from './identifier.ts';
export type { Gs1Identifier, UnitCode } from './identifier.ts';
