/**
 * The verification request and response as the GS1 Lightweight Messaging Standard for verification
 * (the message VRS clients exchange under the US DSCSA) shapes them:
 *
 *   GET /verification/gtin/{gtin14}/lot/{lot}/ser/{serial}?exp=YYMMDD&reqGLN=…&corrUUID=…&context=…
 *   → { verificationTimestamp, responderGLN, corrUUID, data: { verified, verificationFailureReason?, additionalInfo? } }
 *
 * Parsing and validation are shared by the GraphQL `verify` query and both HTTP endpoints.
 */
import { Gs1Error, assertCset82, assertGln, assertGtin, parseAiDate } from '../gs1/index.ts';

export const FAILURE_REASONS = [
  'No_match_GTIN_Serial',
  'No_match_GTIN_Serial_Lot',
  'No_match_GTIN_Serial_Expiry',
  'No_match_GTIN_Serial_Lot_Expiry',
  'No_reason_provided',
] as const;
export type VerificationFailureReason = (typeof FAILURE_REASONS)[number];

export const ADDITIONAL_INFO = ['Recalled', 'Expired', 'Suspect', 'Illegitimate'] as const;
export type AdditionalInfo = (typeof ADDITIONAL_INFO)[number];

export interface VerificationRequest {
  gtin: string;
  serial: string;
  lot: string | null;
  /** ISO date YYYY-MM-DD. */
  expiry: string | null;
  reqGLN: string | null;
  corrUUID: string | null;
  context: string | null;
}

export interface VerificationData {
  verified: boolean;
  verificationFailureReason?: VerificationFailureReason;
  additionalInfo?: AdditionalInfo;
}

export interface VerificationResponse {
  verificationTimestamp: string;
  responderGLN: string;
  corrUUID?: string;
  data: VerificationData;
}

/** A malformed verification request: which part, and what was wrong with it. */
export class VerificationRequestError extends Error {
  constructor(
    readonly part: string,
    message: string,
  ) {
    super(message);
    this.name = 'VerificationRequestError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTEXT = /^[A-Za-z0-9._:-]{1,64}$/;

function aiText(value: string, part: string, max: number): string {
  if (value.length === 0) throw new VerificationRequestError(part, `${part} is empty; expected 1 to ${max} characters.`);
  if (value.length > max) {
    throw new VerificationRequestError(part, `${part} ${JSON.stringify(value)} has ${value.length} characters; at most ${max} are allowed.`);
  }
  assertCset82(value, part);
  return value;
}

/** An expiry as YYMMDD (AI 17, day 00 meaning the end of the month) or as an ISO date YYYY-MM-DD. */
export function parseExpiry(value: string, part = 'expiry'): string {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (iso) {
    const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    const probe = new Date(Date.UTC(y, m - 1, d));
    if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
      throw new VerificationRequestError(part, `${part} ${JSON.stringify(value)} is not a real calendar date; expected YYYY-MM-DD or YYMMDD.`);
    }
    return value;
  }
  return parseAiDate(value, `${part} (YYMMDD)`);
}

export interface VerificationArguments {
  gtin: string;
  serial: string;
  lot?: string | null;
  expiry?: string | null;
  reqGLN?: string | null;
  corrUUID?: string | null;
  context?: string | null;
}

/**
 * Validates a verification request's parts. Throws a Gs1Error (bad GTIN, check digit, character set,
 * date) or a VerificationRequestError naming the part; both carry `part` and a message for the user.
 */
export function validateVerificationRequest(args: VerificationArguments, options: { gtin14?: boolean } = {}): VerificationRequest {
  if (options.gtin14 && !/^\d{14}$/.test(args.gtin)) {
    throw new VerificationRequestError('gtin', `gtin ${JSON.stringify(args.gtin)} must be a GTIN-14: 14 digits.`);
  }
  const gtin = assertGtin(args.gtin, 'gtin');
  const serial = aiText(args.serial, 'serial (AI 21)', 20);
  const lot = args.lot === undefined || args.lot === null ? null : aiText(args.lot, 'lot (AI 10)', 20);
  const expiry = args.expiry === undefined || args.expiry === null || args.expiry === '' ? null : parseExpiry(args.expiry, 'expiry');
  const reqGLN = args.reqGLN ? assertGln(args.reqGLN, 'reqGLN') : null;
  if (args.corrUUID && !UUID.test(args.corrUUID)) {
    throw new VerificationRequestError('corrUUID', `corrUUID ${JSON.stringify(args.corrUUID)} is not a UUID (8-4-4-4-12 hexadecimal digits).`);
  }
  if (args.context && !CONTEXT.test(args.context)) {
    throw new VerificationRequestError('context', `context ${JSON.stringify(args.context)} must be 1 to 64 letters, digits or . _ : -`);
  }
  return { gtin, serial, lot, expiry, reqGLN, corrUUID: args.corrUUID || null, context: args.context || null };
}

const PATH = /^\/verification\/gtin\/([^/]*)\/lot\/([^/]*)\/ser\/([^/]*)\/?$/;

/** True when a URL path is a verification request (so a route can claim it). */
export function isVerificationPath(pathname: string): boolean {
  return pathname.startsWith('/verification/');
}

/** Parses an LMS verification URL. Throws VerificationRequestError or Gs1Error for a malformed request. */
export function parseVerificationUrl(url: URL): VerificationRequest {
  const match = PATH.exec(url.pathname);
  if (!match) {
    throw new VerificationRequestError(
      'path',
      `${url.pathname} is not a verification request; expected /verification/gtin/{gtin14}/lot/{lot}/ser/{serial}?exp=YYMMDD`,
    );
  }
  const decode = (raw: string, part: string) => {
    try {
      return decodeURIComponent(raw);
    } catch {
      throw new VerificationRequestError(part, `${part} ${JSON.stringify(raw)} has a malformed percent-escape.`);
    }
  };
  const q = url.searchParams;
  return validateVerificationRequest(
    {
      gtin: decode(match[1] as string, 'gtin'),
      lot: decode(match[2] as string, 'lot (AI 10)'),
      serial: decode(match[3] as string, 'serial (AI 21)'),
      expiry: q.get('exp'),
      reqGLN: q.get('reqGLN'),
      corrUUID: q.get('corrUUID'),
      context: q.get('context'),
    },
    { gtin14: true },
  );
}

/** The `part` and message of a request error, for a 400 answer. */
export function describeRequestError(error: unknown): { part: string; message: string } | null {
  if (error instanceof VerificationRequestError || error instanceof Gs1Error) return { part: error.part, message: error.message };
  return null;
}
