/**
 * Verification as the manufacturer's responder answers it. Through the gateway the answer joins every
 * node's records (pack status and signals); the manufacturer's own HTTP endpoint answers from its
 * records alone, as a classic verification responder does (identifier match, recall, expiry).
 */
import { GraphQLError } from 'graphql';
import { VTYPE } from '@tracefed/kit/epcis/vocabulary';
import type { VerificationData, VerificationRequest } from '@tracefed/kit/investigations/lms';
import { verificationOutcome } from '@tracefed/kit/investigations/signals';
import type { Context } from './context.ts';
import {
  assessUnit,
  commissioningRecords,
  latestRecall,
  manufacturerOf,
  requireCustody,
  type UnitAssessment,
  type UnitRequires,
} from './investigation.ts';

/** A verification request and the instant it was answered: all a later fetch needs to finish the answer. */
export interface VerificationRef extends VerificationRequest {
  id: string;
  verificationTimestamp: string;
  /** The other nodes' custody of the unit, when the gateway passed it (@requires). */
  unit?: UnitRequires;
}

const FIELDS = ['gtin', 'serial', 'lot', 'expiry', 'reqGLN', 'corrUUID', 'context', 'verificationTimestamp'] as const;

export function verificationRef(request: VerificationRequest, at: Date): VerificationRef {
  const verificationTimestamp = at.toISOString();
  const values = FIELDS.map((f) => (f === 'verificationTimestamp' ? verificationTimestamp : request[f]));
  return { ...request, verificationTimestamp, id: Buffer.from(JSON.stringify(values)).toString('base64url') };
}

export function decodeVerificationRef(ref: { id: string; unit?: UnitRequires }): VerificationRef {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(ref.id, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  if (!Array.isArray(values) || values.length !== FIELDS.length || typeof values[0] !== 'string' || typeof values[1] !== 'string') {
    throw new GraphQLError(`Verification id ${JSON.stringify(ref.id)} does not identify a verification request`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const v = values as Array<string | null>;
  return {
    id: ref.id,
    gtin: v[0] as string,
    serial: v[1] as string,
    lot: v[2] ?? null,
    expiry: v[3] ?? null,
    reqGLN: v[4] ?? null,
    corrUUID: v[5] ?? null,
    context: v[6] ?? null,
    verificationTimestamp: v[7] as string,
    ...(ref.unit ? { unit: ref.unit } : {}),
  };
}

/** The responder: the manufacturer answering for the GTIN, else the node's manufacturer. */
export async function responderGln(ctx: Context, gtin: string): Promise<string> {
  const owner = (await manufacturerOf(ctx, gtin)) ?? (await ctx.loaders.vocabularyByType.load(VTYPE.epcClass))[0]?.owner;
  if (!owner) throw new GraphQLError('this node holds no products, so it answers no verification requests');
  return owner;
}

export interface VerificationAnswer {
  data: VerificationData;
  assessment: UnitAssessment;
}

const answers = new WeakMap<object, Promise<VerificationAnswer>>();

/** The full answer, from every node's records (the gateway passed the other nodes' custody). */
export function answerVerification(ctx: Context, ref: VerificationRef, field: string): Promise<VerificationAnswer> {
  let pending = answers.get(ref);
  if (!pending) {
    pending = (async () => {
      const required = requireCustody(ref.unit, `Verification.${field}`);
      const now = new Date(ref.verificationTimestamp);
      const assessment = await assessUnit(ctx, ref, required, {
        presented: { lot: ref.lot, expiry: ref.expiry },
        requester: ref.reqGLN,
        now,
      });
      const outcome = verificationOutcome({
        lot: ref.lot,
        expiry: ref.expiry,
        commissioning: assessment.commissioning,
        signals: assessment.signals,
        pack: assessment.pack,
        recall: assessment.recall,
        now,
      });
      return { data: toData(outcome), assessment };
    })();
    answers.set(ref, pending);
  }
  return pending;
}

/** The answer from the manufacturer's own records only: identifier match, recall and expiry. */
export async function answerFromOwnRecords(ctx: Context, request: VerificationRequest, at: Date): Promise<VerificationData> {
  const commissioning = await commissioningRecords(ctx, request);
  const recall = await latestRecall(ctx, request.gtin, commissioning[0]?.lot ?? null);
  return toData(
    verificationOutcome({ lot: request.lot, expiry: request.expiry, commissioning, signals: null, pack: null, recall, now: at }),
  );
}

function toData(outcome: ReturnType<typeof verificationOutcome>): VerificationData {
  return {
    verified: outcome.verified,
    ...(outcome.verificationFailureReason ? { verificationFailureReason: outcome.verificationFailureReason } : {}),
    ...(outcome.additionalInfo[0] ? { additionalInfo: outcome.additionalInfo[0] } : {}),
  };
}
