import type { IncomingMessage } from 'node:http';
import type { Identity } from '@tracefed/kit/auth/identity';
import type { Route } from '@tracefed/kit/server/http';
import { sendJson } from '@tracefed/kit/server/http';
import { describeRequestError, isVerificationPath, parseVerificationUrl } from '@tracefed/kit/investigations/lms';

/** An error of a GraphQL result, as the REST answer reads it. */
interface OperationError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** Runs one GraphQL operation through this gateway and returns its result. */
export type ExecuteOperation = (
  query: string,
  variables: Record<string, unknown>,
  identity: Identity,
) => Promise<{ data?: Record<string, unknown> | null; errors?: ReadonlyArray<OperationError> }>;

const VERIFY = /* GraphQL */ `
  query Verify($gtin: String!, $serial: String!, $lot: String, $expiry: String, $reqGLN: String, $corrUUID: String, $context: String) {
    verify(gtin: $gtin, serial: $serial, lot: $lot, expiry: $expiry, reqGLN: $reqGLN, corrUUID: $corrUUID, context: $context) {
      verificationTimestamp
      responderGLN
      corrUUID
      data { verified verificationFailureReason additionalInfo }
      packStatus { state active reason since by { gln name } eventID undo { possible deadline by { gln name } reason } }
      signals { code severity message eventIDs partners { gln name } }
      eventIDs
    }
  }
`;

/**
 * The verification endpoint of the GS1 Lightweight Messaging Standard on the gateway host:
 * GET /verification/gtin/{gtin14}/lot/{lot}/ser/{serial}?exp=YYMMDD&reqGLN=…&corrUUID=…&context=…
 * It runs the `verify` query through this very gateway, so the answer joins every node's records (pack
 * status and signals beside the LMS fields) while the gateway still imports no subgraph code.
 */
export function verificationRoute(execute: ExecuteOperation, authenticate: (req: IncomingMessage) => Promise<Identity>): Route {
  return async (req, res, url) => {
    if (!isVerificationPath(url.pathname)) return false;
    // Any authenticated partner may verify; the same token, limits and rate limit as GraphQL.
    const identity = await authenticate(req);
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}; use GET` }, { allow: 'GET' });
      return true;
    }
    let request;
    try {
      request = parseVerificationUrl(url);
    } catch (error) {
      const problem = describeRequestError(error);
      if (!problem) throw error;
      sendJson(res, 400, { error: problem.message, part: problem.part });
      return true;
    }
    const result = await execute(VERIFY, { ...request }, identity);
    const answer = result.data?.verify as Record<string, unknown> | null | undefined;
    if (!answer) {
      const error = result.errors?.[0];
      const status = error?.extensions?.code === 'BAD_USER_INPUT' ? 400 : 502;
      sendJson(res, status, { error: error?.message ?? 'the verification query returned no answer' });
      return true;
    }
    const data = answer.data as { verified: boolean; verificationFailureReason: string | null; additionalInfo: string | null };
    // Custody data the caller may not see (who set the pack status and by which event, who may undo the
    // dispense, the signals' evidence, the answer's event IDs) comes back null with a FORBIDDEN error
    // beside the rest of the answer; it is left out here. A null the caller may see (no party set an
    // UNKNOWN status) stays.
    omitWithheld(answer, result.errors ?? []);
    sendJson(res, 200, {
      verificationTimestamp: answer.verificationTimestamp,
      responderGLN: answer.responderGLN,
      ...(answer.corrUUID ? { corrUUID: answer.corrUUID } : {}),
      data: {
        verified: data.verified,
        ...(data.verificationFailureReason ? { verificationFailureReason: data.verificationFailureReason } : {}),
        ...(data.additionalInfo ? { additionalInfo: data.additionalInfo } : {}),
      },
      packStatus: answer.packStatus,
      signals: answer.signals,
      ...('eventIDs' in answer ? { eventIDs: answer.eventIDs } : {}),
    });
    return true;
  };
}

/**
 * Deletes from the `verify` answer every field that a FORBIDDEN error's path points at (null in a
 * partial answer), wherever it sits: packStatus.by, packStatus.undo.by, signals.N.partners, eventIDs.
 */
function omitWithheld(answer: Record<string, unknown>, errors: ReadonlyArray<OperationError>): void {
  for (const error of errors) {
    if (error.extensions?.code !== 'FORBIDDEN' || error.path?.[0] !== 'verify') continue;
    const path = error.path.slice(1);
    const key = path[path.length - 1];
    const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), answer);
    if (typeof key === 'string' && parent && typeof parent === 'object' && !Array.isArray(parent)) {
      const holder = parent as Record<string, unknown>;
      if (holder[key] === null) delete holder[key];
    }
  }
}
