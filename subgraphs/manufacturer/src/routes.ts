import type { Database } from '@tracefed/kit/db/connection';
import type { Authenticate } from '@tracefed/kit/server/authenticate';
import { sendJson, type Route } from '@tracefed/kit/server/http';
import { describeRequestError, isVerificationPath, parseVerificationUrl, type VerificationResponse } from '@tracefed/kit/investigations/lms';
import { createContext } from './context.ts';
import { answerFromOwnRecords, responderGln } from './verification.ts';

/**
 * The manufacturer's verification responder over HTTP, shaped as the GS1 Lightweight Messaging
 * Standard: GET /verification/gtin/{gtin14}/lot/{lot}/ser/{serial}?exp=YYMMDD&reqGLN=…&corrUUID=…&context=…
 * It answers from this node's records alone (commissioning, recall, expiry), so it keeps answering when
 * other nodes are down; the gateway serves the same request with every node's records behind it. Any
 * authenticated partner may ask (Authorization: Bearer <partner token>).
 */
export function verificationRoutes(database: Database, authenticate: Authenticate): Route[] {
  return [
    async (req, res, url) => {
      if (!isVerificationPath(url.pathname)) return false;
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}; use GET` }, { allow: 'GET' });
        return true;
      }
      // Any authenticated partner may verify a pack: its own token, or the gateway's signed identity.
      const identity = await authenticate(req, { partnerToken: true });
      let request;
      try {
        request = parseVerificationUrl(url);
      } catch (error) {
        const problem = describeRequestError(error);
        if (!problem) throw error;
        sendJson(res, 400, { error: problem.message, part: problem.part });
        return true;
      }
      const ctx = createContext(database, identity);
      const at = new Date();
      const [data, responderGLN] = await Promise.all([answerFromOwnRecords(ctx, request, at), responderGln(ctx, request.gtin)]);
      const body: VerificationResponse = {
        verificationTimestamp: at.toISOString(),
        responderGLN,
        ...(request.corrUUID ? { corrUUID: request.corrUUID } : {}),
        data,
      };
      sendJson(res, 200, body);
      return true;
    },
  ];
}
