/**
 * EPCIS 2.0 capture: validate a partner's document, store it atomically through the ingest path, and
 * keep a capture job that says what happened (EPCIS 2.0 REST binding, `/capture/{captureID}`).
 * Capture runs synchronously, so the job is written in the same transaction as the events: it exists
 * exactly when they were stored, and a crash halfway leaves neither. A node stores one document at a
 * time, in arrival order, while the documents behind it are validated (ingest.ts, queueStore).
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db, Executor } from '../db/connection.ts';
import type { Anomaly } from './anomalies.ts';
import { queueStore, storeDocument } from './ingest.ts';
import { masterDataChanged } from './masterDataCache.ts';
import { normaliseDocument, type NormalisedDocument } from './normalise.ts';
import { captureJob } from './tables.ts';

/** The capture job resource, in the shape the EPCIS 2.0 REST binding gives it, plus what tracefed adds. */
export interface CaptureJob {
  captureID: string;
  createdAt: string;
  finishedAt: string;
  running: false;
  success: true;
  /** A document is stored whole or not at all. */
  captureErrorBehaviour: 'rollback';
  errors: [];
  /** GLN of the partner that sent the document. */
  partner: string;
  counts: {
    events: number;
    captured: number;
    alreadyKnown: number;
    retracted: number;
    anomalies: number;
    masterDataElements: number;
  };
  capturedEventIDs: string[];
  /** Sent before: stored once, reported here. */
  alreadyKnownEventIDs: string[];
  /** Stored events this document's error declarations retracted. */
  retractedEventIDs: string[];
  /** Business anomalies: the events were stored, and flagged. */
  anomalies: Array<{ eventID: string; code: string; message: string; eventIDs: string[] }>;
}

export interface CaptureOptions {
  /** GLN of the capturing partner, already authenticated by the caller. */
  partner: string;
  document: unknown;
  /** When the request arrived (defaults to now). */
  receivedAt?: Date;
  /** Checks the sender may capture these events (throws EpcisDocumentError 403); runs before anything is stored. */
  authorize?: (document: NormalisedDocument) => void;
}

/**
 * Validates and stores one EPCIS document for a partner and records its capture job. Throws
 * EpcisDocumentError (every problem, with event index, JSON path and reason) when the document is
 * refused; nothing is stored then.
 */
export async function captureDocument(db: Db, options: CaptureOptions): Promise<CaptureJob> {
  const createdAt = options.receivedAt ?? new Date();
  const normalised = normaliseDocument(options.document);
  options.authorize?.(normalised);
  const captureId = randomUUID();
  // Validated and authorised on arrival; stored after the captures queued before it (see queueStore).
  const stored = await queueStore(db, async (tx) => {
    const result = await storeDocument(tx, options.partner, normalised, captureId);
    const job: CaptureJob = {
      captureID: captureId,
      createdAt: createdAt.toISOString(),
      finishedAt: new Date().toISOString(),
      running: false,
      success: true,
      captureErrorBehaviour: 'rollback',
      errors: [],
      partner: options.partner,
      counts: {
        events: normalised.events.length,
        captured: result.captured.length,
        alreadyKnown: result.alreadyKnown.length,
        retracted: result.retracted.length,
        anomalies: result.anomalies.length,
        masterDataElements: result.masterDataElements,
      },
      capturedEventIDs: result.captured,
      alreadyKnownEventIDs: result.alreadyKnown,
      retractedEventIDs: result.retracted,
      anomalies: result.anomalies.map(presentAnomaly),
    };
    await saveJob(tx, job);
    return job;
  });
  // After the commit: the master data cache must not keep what this document replaced.
  if (stored.counts.masterDataElements > 0) masterDataChanged(db);
  return stored;
}

function presentAnomaly(a: Anomaly) {
  return { eventID: a.eventId, code: a.code, message: a.message, eventIDs: a.eventIds };
}

async function saveJob(tx: Executor, job: CaptureJob): Promise<void> {
  await tx.insert(captureJob).values({
    captureId: job.captureID,
    partner: job.partner,
    createdAt: new Date(job.createdAt),
    finishedAt: new Date(job.finishedAt),
    eventCount: job.counts.events,
    capturedCount: job.counts.captured,
    alreadyKnownCount: job.counts.alreadyKnown,
    retractedCount: job.counts.retracted,
    result: {
      counts: job.counts,
      capturedEventIDs: job.capturedEventIDs,
      alreadyKnownEventIDs: job.alreadyKnownEventIDs,
      retractedEventIDs: job.retractedEventIDs,
      anomalies: job.anomalies,
    },
  });
}

/** A capture job by its ID, or null. */
export async function findCaptureJob(db: Executor, captureId: string): Promise<CaptureJob | null> {
  const [row] = await db.select().from(captureJob).where(eq(captureJob.captureId, captureId)).limit(1);
  if (!row) return null;
  const result = row.result as Pick<CaptureJob, 'counts' | 'capturedEventIDs' | 'alreadyKnownEventIDs' | 'retractedEventIDs' | 'anomalies'>;
  return {
    captureID: row.captureId,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt.toISOString(),
    running: false,
    success: true,
    captureErrorBehaviour: 'rollback',
    errors: [],
    partner: row.partner,
    counts: result.counts,
    capturedEventIDs: result.capturedEventIDs,
    alreadyKnownEventIDs: result.alreadyKnownEventIDs,
    retractedEventIDs: result.retractedEventIDs,
    anomalies: result.anomalies,
  };
}
