/**
 * GS1 element strings: the AI + value data carried in GS1-128, GS1 DataMatrix,
 * GS1 QR Code and GS1 DataBar barcodes.
 *
 * Two input forms are accepted:
 *  - human-readable "bracketed" form: (01)09506000134352(21)ABC123(10)LOT1
 *  - raw scanner output: optional symbology identifier (]C1, ]e0, ]d2, ]Q3,
 *    ]J1), AI + value concatenated, FNC1 transmitted as ASCII GS (0x1D)
 *    after every variable-length field that is not last
 *    (GS1 General Specifications §7.8.4 / §7.8.5, Figure 7.8.5-2).
 */
import { Gs1Error, quote } from './errors.ts';
import { AI_TABLE, getAi, matchAiAt, validateAiValue } from './ai.ts';
import type { AiDefinition } from './ai.ts';

/** One AI and its value, e.g. `{ ai: '21', value: 'ABC123' }`. */
export interface AiValue {
  ai: string;
  value: string;
}

/** ASCII Group Separator, which scanners transmit for FNC1 used as a field separator. */
export const GS = '\u001d';

/**
 * Symbology identifiers (ISO/IEC 15424) that announce GS1 AI data, per GS1
 * General Specifications §5 (GS1-128 ]C1, GS1 DataBar ]e0, GS1 DataMatrix
 * ]d2, GS1 QR Code ]Q3, GS1 DotCode ]J1).
 */
export const GS1_SYMBOLOGY_IDENTIFIERS: readonly string[] = [']C1', ']e0', ']d2', ']Q3', ']J1'];

const PART = 'element string';
const BRACKETED_AI = /^\(([0-9]{2,4})\)/;

function supportedAis(): string {
  return AI_TABLE.map((d) => d.code).join(', ');
}

function unknownAi(input: string, position: number, shown: string): Gs1Error {
  return new Gs1Error(
    `Element string ${quote(input)} has an unknown or unsupported Application Identifier at position ${position} (${quote(shown)}); supported AIs are ${supportedAis()}.`,
    PART,
    'unknown-ai',
  );
}

function parseBracketed(input: string): AiValue[] {
  const out: AiValue[] = [];
  let pos = 0;
  while (pos < input.length) {
    const m = BRACKETED_AI.exec(input.slice(pos));
    if (!m) {
      throw new Gs1Error(
        `Element string ${quote(input)} has ${quote(input.slice(pos, pos + 8))} at position ${pos + 1}; expected an Application Identifier in parentheses, e.g. (01)09506000134352(21)ABC123.`,
        PART,
        'syntax',
      );
    }
    const code = m[1] ?? '';
    if (!getAi(code)) throw unknownAi(input, pos + 1, m[0]);
    pos += m[0].length;
    // The value runs to the next "(nn)" that opens an AI. A literal "(" that
    // would look like an AI can be escaped as "\(" (the GS1 Barcode Syntax
    // Engine's bracketed-syntax convention); "\" is not in CSET 82 itself.
    let value = '';
    while (pos < input.length) {
      const ch = input.charAt(pos);
      if (ch === '\\' && input.charAt(pos + 1) === '(') {
        value += '(';
        pos += 2;
        continue;
      }
      if (ch === '(' && BRACKETED_AI.test(input.slice(pos))) break;
      value += ch;
      pos++;
    }
    out.push({ ai: code, value });
  }
  return out;
}

function parseRaw(input: string): AiValue[] {
  let start = 0;
  if (input.startsWith(']')) {
    const symId = input.slice(0, 3);
    if (!GS1_SYMBOLOGY_IDENTIFIERS.includes(symId)) {
      throw new Gs1Error(
        `Symbology identifier ${quote(symId)} at the start of ${quote(input)} does not announce GS1 Application Identifier data; expected one of ${GS1_SYMBOLOGY_IDENTIFIERS.join(', ')}.`,
        'symbology identifier',
        'unsupported',
      );
    }
    start = 3;
  }
  const out: AiValue[] = [];
  let pos = start;
  if (input.charAt(pos) === GS) pos++; // a leading FNC1 / GS is allowed
  if (pos >= input.length) {
    throw new Gs1Error(`Element string ${quote(input)} contains no Application Identifier data.`, PART, 'empty');
  }
  while (pos < input.length) {
    const def: AiDefinition | undefined = matchAiAt(input, pos);
    if (!def) throw unknownAi(input, pos + 1, input.slice(pos, pos + 6));
    const valueStart = pos + def.code.length;
    let value: string;
    if (def.predefinedLength) {
      value = input.slice(valueStart, valueStart + def.maxLength);
      const gsAt = value.indexOf(GS);
      if (gsAt >= 0 || value.length < def.maxLength) {
        const got = gsAt >= 0 ? value.slice(0, gsAt) : value;
        throw new Gs1Error(
          `${def.part} ${quote(got)} at position ${valueStart + 1} of the element string is cut short after ${got.length} ${def.charset === 'numeric' ? 'digits' : 'characters'}; expected exactly ${def.maxLength}.`,
          def.part,
          'length',
        );
      }
      pos = valueStart + def.maxLength;
      // A separator after a predefined-length field is unnecessary but harmless.
      if (input.charAt(pos) === GS) pos++;
    } else {
      const end = input.indexOf(GS, valueStart);
      value = input.slice(valueStart, end < 0 ? input.length : end);
      pos = end < 0 ? input.length : end + 1;
    }
    out.push({ ai: def.code, value });
  }
  return out;
}

/** Validate every value and reject an AI repeated with a different value (exact repeats are merged). */
function checkAll(ais: readonly AiValue[]): AiValue[] {
  const seen = new Map<string, string>();
  const out: AiValue[] = [];
  for (const { ai, value } of ais) {
    const def = getAi(ai);
    if (!def) {
      throw new Gs1Error(
        `AI ${quote(ai)} is not supported by this toolkit; supported AIs are ${supportedAis()}.`,
        PART,
        'unknown-ai',
      );
    }
    validateAiValue(ai, value);
    const previous = seen.get(ai);
    if (previous !== undefined) {
      if (previous !== value) {
        throw new Gs1Error(
          `${def.part} appears twice with different values ${quote(previous)} and ${quote(value)}; each AI may occur only once.`,
          def.part,
          'duplicate-ai',
        );
      }
      continue;
    }
    seen.set(ai, value);
    out.push({ ai, value });
  }
  return out;
}

/**
 * Parse a GS1 element string in bracketed form or as raw scanner output and
 * validate every value against the AI table. Surrounding whitespace is ignored.
 */
export function parseElementString(input: string): AiValue[] {
  const text = input.trim();
  if (text.length === 0) {
    throw new Gs1Error('Element string is empty; expected e.g. (01)09506000134352(21)ABC123.', PART, 'empty');
  }
  return checkAll(text.startsWith('(') ? parseBracketed(text) : parseRaw(text));
}

/**
 * Format AIs as a bracketed element string (default), or as raw data with GS
 * separators after variable-length fields (`raw: true`; no symbology
 * identifier, no leading FNC1, nothing after the last field).
 * Values are validated first; order is kept.
 */
export function formatElementString(ais: readonly AiValue[], options: { raw?: boolean } = {}): string {
  const checked = checkAll(ais);
  if (checked.length === 0) {
    throw new Gs1Error('Cannot format an element string without any AI.', PART, 'empty');
  }
  if (!options.raw) {
    return checked.map(({ ai, value }) => `(${ai})${value.replaceAll('(', '\\(')}`).join('');
  }
  let out = '';
  checked.forEach(({ ai, value }, i) => {
    out += ai + value;
    const last = i === checked.length - 1;
    if (!last && !getAi(ai)?.predefinedLength) out += GS;
  });
  return out;
}
