import { requireAccess } from '@tracefed/kit/auth/access';
import type { Context } from '../context.ts';
import { commissioningRecords, custodyFacts, latestRecall, partiesByGln, requireExcursions, type UnitRequires } from '../investigation.ts';
import { presentPackStatus, presentRecall, presentSignal } from '../presenters.ts';
import { answerVerification, decodeVerificationRef, responderGln, type VerificationRef } from '../verification.ts';

export const Verification = {
  __resolveReference: (ref: { id: string; unit?: UnitRequires }): VerificationRef => decodeVerificationRef(ref),
  responderGLN: (v: VerificationRef, _: unknown, ctx: Context) => responderGln(ctx, v.gtin),
  unit: (v: VerificationRef) => ({ gtin: v.gtin, serial: v.serial }),
  async recall(v: VerificationRef, _: unknown, ctx: Context) {
    const commissioning = await commissioningRecords(ctx, v);
    const recall = await latestRecall(ctx, v.gtin, commissioning[0]?.lot ?? null);
    return recall ? presentRecall(ctx, recall) : null;
  },
  data: async (v: VerificationRef, _: unknown, ctx: Context) => {
    const { data } = await answerVerification(ctx, v, 'data');
    return {
      verified: data.verified,
      verificationFailureReason: data.verificationFailureReason ?? null,
      additionalInfo: data.additionalInfo ?? null,
    };
  },
  async packStatus(v: VerificationRef, _: unknown, ctx: Context) {
    const { assessment } = await answerVerification(ctx, v, 'packStatus');
    return presentPackStatus(ctx, assessment.pack, assessment.chain.events, custodyFacts(v, assessment.chain));
  },
  async signals(v: VerificationRef, _: unknown, ctx: Context) {
    requireExcursions(v.unit, 'Verification.signals');
    const { assessment } = await answerVerification(ctx, v, 'signals');
    const custody = custodyFacts(v, assessment.chain);
    return Promise.all(assessment.signals.map((s) => presentSignal(ctx, s, assessment.chain.events, custody, assessment.carriers)));
  },
  async eventIDs(v: VerificationRef, _: unknown, ctx: Context) {
    requireExcursions(v.unit, 'Verification.eventIDs');
    const { assessment: a } = await answerVerification(ctx, v, 'eventIDs');
    requireAccess(ctx.identity, 'Verification.eventIDs', custodyFacts(v, a.chain));
    return [
      ...new Set([
        ...a.commissioning.map((c) => c.eventID),
        ...(a.recall ? [a.recall.eventID] : []),
        ...(a.pack.eventID ? [a.pack.eventID] : []),
        ...a.signals.flatMap((s) => s.eventIDs),
      ]),
    ];
  },
  async partners(v: VerificationRef, _: unknown, ctx: Context) {
    requireExcursions(v.unit, 'Verification.partners');
    const { assessment: a } = await answerVerification(ctx, v, 'partners');
    requireAccess(ctx.identity, 'Verification.partners', custodyFacts(v, a.chain));
    const glns = [
      ...(a.manufacturer ? [a.manufacturer] : []),
      ...a.commissioning.map((c) => c.owner),
      ...(a.pack.by ? [a.pack.by] : []),
      ...a.signals.flatMap((s) => s.partners),
    ];
    return partiesByGln(ctx, glns, a.chain.events, a.carriers);
  },
};

