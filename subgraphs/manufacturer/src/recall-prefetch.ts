/**
 * The manufacturer's own part of a recall, started early. `Lot.whereabouts` runs in three steps of the
 * query plan: this node lists the lot's units (`Lot.recallIndex`), the other nodes compute their
 * position tables from that list, and this node merges them with its own. Its own table needs only the
 * list, so it is started when the list is asked for and computed while the other nodes work; the merge
 * takes it instead of computing it last, on the critical path (bench/results/recall-through-the-graph-2026-11-28.md).
 *
 * Entries are keyed by the lot and the digest of the list, so the merge takes exactly the part computed
 * for the list the other nodes answered; it finds nothing when the steps reached different processes,
 * or after MAX_AGE_MS, and then computes its part itself, as before. A few entries at most are kept.
 */
import type { LotDecisions, UnitIndexRef } from '@tracefed/kit/investigations/positions';

export interface OwnRecallPart {
  serials: string[];
  index: UnitIndexRef;
  latest: LotDecisions;
}

const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 16;

interface Entry {
  at: number;
  part: Promise<OwnRecallPart>;
}

const entries = new Map<string, Entry>();

const keyOf = (gtin: string, lot: string, digest: string) => `${gtin}|${lot}|${digest}`;

/** Keeps the started part of a recall for the merge; the oldest entries make room. */
export function offerRecallPart(gtin: string, lot: string, digest: string, part: Promise<OwnRecallPart>, now = Date.now()): void {
  // A failure is the merge's to report (it computes again); an unobserved rejection must not crash the node.
  part.catch(() => undefined);
  entries.delete(keyOf(gtin, lot, digest));
  entries.set(keyOf(gtin, lot, digest), { at: now, part });
  for (const [key, entry] of entries) {
    if (entries.size <= MAX_ENTRIES && now - entry.at <= MAX_AGE_MS) break;
    entries.delete(key);
  }
}

/** The part started for this lot and list, once (the entry is removed), or undefined. */
export function takeRecallPart(gtin: string, lot: string, digest: string, now = Date.now()): Promise<OwnRecallPart> | undefined {
  const key = keyOf(gtin, lot, digest);
  const entry = entries.get(key);
  if (!entry) return undefined;
  entries.delete(key);
  return now - entry.at <= MAX_AGE_MS ? entry.part : undefined;
}

/** How many parts are waiting (for tests). */
export function pendingRecallParts(): number {
  return entries.size;
}
