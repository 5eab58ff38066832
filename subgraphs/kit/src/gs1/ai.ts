/**
 * GS1 Application Identifier (AI) table and value checks.
 *
 * AI formats, titles and the fixed/variable split follow the GS1 General
 * Specifications §3.2 (AI table) and the GS1 Barcode Syntax Dictionary.
 * Only the AIs a medicines track-and-trace system meets are listed; unknown
 * AIs are rejected rather than guessed.
 */
import { Gs1Error, assertDigits, quote } from './errors.ts';
import { computeCheckDigit } from './checkDigit.ts';

export type AiCharset = 'numeric' | 'cset82';

export interface AiDefinition {
  /** The Application Identifier, e.g. "01". */
  readonly code: string;
  /** GS1 data title, e.g. "GTIN", "SERIAL". */
  readonly title: string;
  /** Name used in error messages and `Gs1Error.part`, e.g. "AI (01) GTIN", "serial (AI 21)". */
  readonly part: string;
  /** "N" fields are digits only; "X" fields use character set 82. */
  readonly charset: AiCharset;
  readonly minLength: number;
  readonly maxLength: number;
  /** True for fixed-length fields (minLength === maxLength). */
  readonly fixedLength: boolean;
  /**
   * True when the AI starts with one of the predefined-length prefixes, so a
   * FNC1 / GS separator is not needed after it in a barcode.
   */
  readonly predefinedLength: boolean;
  /** The whole value ends in a GS1 mod-10 check digit. */
  readonly checkDigit: boolean;
  /** Date fields: YYMMDD (day 00 allowed) or YYMMDDHHMM. */
  readonly date?: 'yymmdd' | 'yymmddhhmm';
}

/**
 * First two digits of the AIs whose element strings have a predefined length
 * and therefore need no FNC1 separator (GS1 General Specifications
 * Figure 7.8.5-2). "23" is in that figure, but the toolkit's table holds no
 * AI starting with 23, so it never affects parsing here.
 */
export const PREDEFINED_LENGTH_AI_PREFIXES: readonly string[] = [
  '00', '01', '02', '03', '04',
  '11', '12', '13', '14', '15', '16', '17', '18', '19', '20',
  '23',
  '31', '32', '33', '34', '35', '36',
  '41',
];

/** True when `code` starts with a predefined-length prefix (no FNC1 needed after it). */
export function isPredefinedLengthAi(code: string): boolean {
  return PREDEFINED_LENGTH_AI_PREFIXES.includes(code.slice(0, 2));
}

interface Row {
  code: string;
  format: string; // "N14", "X..20", "N..8"
  title: string;
  part: string;
  checkDigit?: boolean;
  date?: 'yymmdd' | 'yymmddhhmm';
}

// Formats from the GS1 General Specifications §3.2 AI table.
// Error-part naming: identification keys read "AI (nn) NAME", attributes read "name (AI nn)".
const ROWS: readonly Row[] = [
  { code: '00', format: 'N18', title: 'SSCC', part: 'AI (00) SSCC', checkDigit: true },
  { code: '01', format: 'N14', title: 'GTIN', part: 'AI (01) GTIN', checkDigit: true },
  { code: '02', format: 'N14', title: 'CONTENT', part: 'AI (02) GTIN of contained trade items', checkDigit: true },
  { code: '10', format: 'X..20', title: 'BATCH/LOT', part: 'lot (AI 10)' },
  { code: '11', format: 'N6', title: 'PROD DATE', part: 'production date (AI 11)', date: 'yymmdd' },
  { code: '12', format: 'N6', title: 'DUE DATE', part: 'due date (AI 12)', date: 'yymmdd' },
  { code: '13', format: 'N6', title: 'PACK DATE', part: 'packaging date (AI 13)', date: 'yymmdd' },
  { code: '15', format: 'N6', title: 'BEST BEFORE or BEST BY', part: 'best before date (AI 15)', date: 'yymmdd' },
  { code: '16', format: 'N6', title: 'SELL BY', part: 'sell by date (AI 16)', date: 'yymmdd' },
  { code: '17', format: 'N6', title: 'USE BY or EXPIRY', part: 'expiry date (AI 17)', date: 'yymmdd' },
  { code: '20', format: 'N2', title: 'VARIANT', part: 'product variant (AI 20)' },
  { code: '21', format: 'X..20', title: 'SERIAL', part: 'serial (AI 21)' },
  { code: '22', format: 'X..20', title: 'CPV', part: 'consumer product variant (AI 22)' },
  { code: '240', format: 'X..30', title: 'ADDITIONAL ID', part: 'additional product identification (AI 240)' },
  { code: '241', format: 'X..30', title: 'CUST. PART No.', part: 'customer part number (AI 241)' },
  { code: '250', format: 'X..30', title: 'SECONDARY SERIAL', part: 'secondary serial number (AI 250)' },
  { code: '251', format: 'X..30', title: 'REF. TO SOURCE', part: 'reference to source entity (AI 251)' },
  { code: '254', format: 'X..20', title: 'GLN EXTENSION COMPONENT', part: 'GLN extension (AI 254)' },
  { code: '30', format: 'N..8', title: 'VAR. COUNT', part: 'variable count (AI 30)' },
  { code: '37', format: 'N..8', title: 'COUNT', part: 'count of trade items (AI 37)' },
  { code: '400', format: 'X..30', title: 'ORDER NUMBER', part: "customer's purchase order number (AI 400)" },
  { code: '410', format: 'N13', title: 'SHIP TO LOC', part: 'AI (410) ship-to GLN', checkDigit: true },
  { code: '411', format: 'N13', title: 'BILL TO', part: 'AI (411) bill-to GLN', checkDigit: true },
  { code: '412', format: 'N13', title: 'PURCHASE FROM', part: 'AI (412) purchased-from GLN', checkDigit: true },
  { code: '413', format: 'N13', title: 'SHIP FOR LOC', part: 'AI (413) ship-for GLN', checkDigit: true },
  { code: '414', format: 'N13', title: 'LOC No.', part: 'AI (414) location GLN', checkDigit: true },
  { code: '415', format: 'N13', title: 'PAY TO', part: 'AI (415) invoicing party GLN', checkDigit: true },
  { code: '416', format: 'N13', title: 'PROD/SERV LOC', part: 'AI (416) production or service location GLN', checkDigit: true },
  { code: '417', format: 'N13', title: 'PARTY', part: 'AI (417) party GLN', checkDigit: true },
  { code: '7003', format: 'N10', title: 'EXPIRY TIME', part: 'expiry date and time (AI 7003)', date: 'yymmddhhmm' },
  // National Healthcare Reimbursement Numbers (AIs 710-715, GS1 General Specifications §3.2 AI table).
  { code: '710', format: 'X..20', title: 'NHRN PZN', part: 'NHRN Germany PZN (AI 710)' },
  { code: '711', format: 'X..20', title: 'NHRN CIP', part: 'NHRN France CIP (AI 711)' },
  { code: '712', format: 'X..20', title: 'NHRN CN', part: 'NHRN Spain CN (AI 712)' },
  { code: '713', format: 'X..20', title: 'NHRN DRN', part: 'NHRN Brazil DRN (AI 713)' },
  { code: '714', format: 'X..20', title: 'NHRN AIM', part: 'NHRN Portugal AIM (AI 714)' },
  { code: '715', format: 'X..20', title: 'NHRN NDC', part: 'NHRN United States NDC (AI 715)' },
];

function toDefinition(row: Row): AiDefinition {
  const match = /^([NX])(\.\.)?([0-9]+)$/.exec(row.format);
  if (!match) throw new Error(`bad AI format ${row.format} in table`);
  const max = Number(match[3]);
  const fixed = match[2] === undefined;
  const def: AiDefinition = {
    code: row.code,
    title: row.title,
    part: row.part,
    charset: match[1] === 'N' ? 'numeric' : 'cset82',
    minLength: fixed ? max : 1,
    maxLength: max,
    fixedLength: fixed,
    predefinedLength: isPredefinedLengthAi(row.code),
    checkDigit: row.checkDigit === true,
  };
  return row.date ? { ...def, date: row.date } : def;
}

/** Every AI this toolkit understands, in AI order. */
export const AI_TABLE: readonly AiDefinition[] = ROWS.map(toDefinition);

const BY_CODE: ReadonlyMap<string, AiDefinition> = new Map(AI_TABLE.map((d) => [d.code, d]));

/** The definition of an AI, or undefined when the toolkit does not know it. */
export function getAi(code: string): AiDefinition | undefined {
  return BY_CODE.get(code);
}

/**
 * The AI whose code starts `text` at `offset` (AIs are prefix-free, so at most
 * one matches), or undefined.
 */
export function matchAiAt(text: string, offset: number): AiDefinition | undefined {
  for (const len of [2, 3, 4]) {
    const def = BY_CODE.get(text.slice(offset, offset + len));
    if (def) return def;
  }
  return undefined;
}

/** The definition of an AI, throwing a Gs1Error naming `where` when unknown. */
export function requireAi(code: string, where: string): AiDefinition {
  const def = BY_CODE.get(code);
  if (!def) {
    throw new Gs1Error(
      `${where} uses Application Identifier ${quote(code)}, which this toolkit does not support; supported AIs are ${AI_TABLE.map((d) => d.code).join(', ')}.`,
      where,
      'unknown-ai',
    );
  }
  return def;
}

// ---------------------------------------------------------------------------
// Character set 82 (GS1 General Specifications Figure 7.11-1)

const CSET82 = new Set(
  '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz',
);

/** CSET82 by character code, for the check that runs on every serial and lot. */
const CSET82_CODES: readonly boolean[] = Array.from({ length: 128 }, (_, code) => CSET82.has(String.fromCharCode(code)));

/** True when every character of `value` is in GS1 AI encodable character set 82. */
export function isCset82(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (CSET82_CODES[value.charCodeAt(i)] !== true) return false;
  return true;
}

/**
 * Throw a Gs1Error naming the first character of `value` outside GS1 AI
 * encodable character set 82, and its 1-based position.
 */
export function assertCset82(value: string, part: string): void {
  if (isCset82(value)) return;
  let position = 0;
  for (const ch of value) {
    position++;
    if (!CSET82.has(ch)) {
      throw new Gs1Error(
        `${part} ${quote(value)} contains ${quote(ch)} at position ${position}, which is not in the GS1 AI encodable character set 82; allowed are A-Z, a-z, 0-9 and !"%&'()*+,-./:;<=>?_.`,
        part,
        'charset',
      );
    }
  }
}

// ---------------------------------------------------------------------------
// Dates (GS1 General Specifications §7.12)

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The full year for a two-digit year, per GS1 General Specifications §7.12:
 * with D = YY minus the last two digits of the current year, D >= 51 means
 * the previous century, D <= -50 the next century, otherwise the current one.
 * So the window runs from 49 years in the past to 50 years in the future.
 */
export function aiYear(yy: number, today: Date = new Date()): number {
  const current = today.getUTCFullYear();
  const century = current - (current % 100);
  const diff = yy - (current % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

function parseDate(value: string, part: string, today: Date, allowDay00: boolean): string {
  assertDigits(value, part, 'a date as 6 digits YYMMDD');
  if (value.length !== 6) {
    throw new Gs1Error(`${part} ${quote(value)} has ${value.length} digits; expected a date as 6 digits YYMMDD.`, part, 'length');
  }
  const year = aiYear(Number(value.slice(0, 2)), today);
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  if (month < 1 || month > 12) {
    throw new Gs1Error(`${part} ${quote(value)} has month ${value.slice(2, 4)}; expected 01 to 12 (format YYMMDD).`, part, 'date');
  }
  const last = daysInMonth(year, month);
  if (day === 0 && !allowDay00) {
    throw new Gs1Error(`${part} ${quote(value)} has day 00; expected 01 to ${last} (format YYMMDD).`, part, 'date');
  }
  if (day > last) {
    throw new Gs1Error(
      `${part} ${quote(value)} has day ${value.slice(4, 6)}, but ${year}-${twoDigits(month)} has ${last} days; expected 01 to ${last}${allowDay00 ? ' (or 00 for the end of the month)' : ''}.`,
      part,
      'date',
    );
  }
  return `${year}-${twoDigits(month)}-${twoDigits(day === 0 ? last : day)}`;
}

/**
 * Convert an AI date YYMMDD into an ISO date YYYY-MM-DD.
 * Day "00" stands for the last day of the month: the GS1 General
 * Specifications date AIs (11-17) allow "00" in the day field when no day is
 * specified. The century follows §7.12 relative to `today`.
 */
export function parseAiDate(yymmdd: string, part: string, today: Date = new Date()): string {
  return parseDate(yymmdd, part, today, true);
}

/** Convert an ISO date YYYY-MM-DD into an AI date YYMMDD. */
export function formatAiDate(iso: string): string {
  const part = 'ISO date';
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(iso);
  if (!m) {
    throw new Gs1Error(`${part} ${quote(iso)} is not a date in the form YYYY-MM-DD.`, part, 'syntax');
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Gs1Error(`${part} ${quote(iso)} is not a real calendar date; expected YYYY-MM-DD.`, part, 'date');
  }
  return `${String(m[1]).slice(2)}${m[2]}${m[3]}`;
}

function checkDateTime(value: string, part: string, today: Date): void {
  parseDate(value.slice(0, 6), part, today, false);
  const hh = Number(value.slice(6, 8));
  const mm = Number(value.slice(8, 10));
  if (hh > 23 || mm > 59) {
    throw new Gs1Error(
      `${part} ${quote(value)} has time ${value.slice(6, 8)}:${value.slice(8, 10)}; expected HHMM from 0000 to 2359 (format YYMMDDHHMM).`,
      part,
      'date',
    );
  }
}

// ---------------------------------------------------------------------------
// Value validation

/** How an AI's length and unit are written in messages, made once per AI rather than per value. */
const WORDING = new Map<string, { part: string; lengthText: string; unit: string }>();

function wording(def: AiDefinition): { part: string; lengthText: string; unit: string } {
  let found = WORDING.get(def.code);
  if (!found) {
    found = {
      part: def.part,
      lengthText: def.fixedLength ? `exactly ${def.maxLength}` : `1 to ${def.maxLength}`,
      unit: def.charset === 'numeric' ? 'digits' : 'characters',
    };
    WORDING.set(def.code, found);
  }
  return found;
}

/**
 * Validate `value` against the definition of AI `code`: length, character
 * set, check digit and date rules. Returns the value unchanged.
 * Throws a Gs1Error whose `part` is the AI's part name.
 */
export function validateAiValue(code: string, value: string, today?: Date): string {
  const def = BY_CODE.get(code) ?? requireAi(code, `AI (${code})`);
  const { part, lengthText, unit } = wording(def);
  if (value.length === 0) {
    throw new Gs1Error(`${part} is empty; expected ${lengthText} ${unit}.`, part, 'empty');
  }
  if (def.charset === 'numeric') {
    assertDigits(value, part, `${lengthText} digits`);
  } else {
    assertCset82(value, part);
  }
  if (value.length < def.minLength || value.length > def.maxLength) {
    throw new Gs1Error(
      `${part} ${quote(value)} has ${value.length} ${unit}; expected ${lengthText} ${unit}.`,
      part,
      'length',
    );
  }
  if (def.checkDigit) {
    const expected = computeCheckDigit(value.slice(0, -1));
    const actual = value.charAt(value.length - 1);
    if (String(expected) !== actual) {
      throw new Gs1Error(
        `${part} ${quote(value)} has check digit ${actual}; expected ${expected} (${value.slice(0, -1)}${expected}).`,
        part,
        'check-digit',
      );
    }
  }
  // Today's date is only read for date AIs: serials and lots, checked by the thousand, need no clock.
  if (def.date === 'yymmdd') parseDate(value, part, today ?? new Date(), true);
  if (def.date === 'yymmddhhmm') checkDateTime(value, part, today ?? new Date());
  return value;
}
