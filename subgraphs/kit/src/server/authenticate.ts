import type { IncomingMessage } from 'node:http';
import { AuthenticationError, type Identity } from '../auth/identity.ts';
import { bearerToken, IDENTITY_HEADER } from '../auth/tokens.ts';
import { HttpError } from './http.ts';

/** How a node checks who is calling. */
export interface NodeAuth {
  /** Verifies the identity the gateway signed for this request (x-tracefed-identity). */
  verifyIdentity(token: string): Promise<Identity>;
  /** Verifies a partner's own token, for the REST endpoints partners call directly (EPCIS, verification). */
  verifyPartnerToken(token: string): Promise<Identity>;
  /** Production: no introspection, masked errors. */
  production?: boolean;
}

/**
 * Authenticates a request to a node. GraphQL takes only the gateway-signed identity, so that every
 * client query goes through the gateway's limits and schema (where the nodes' internal join fields are
 * inaccessible); the REST endpoints partners call directly take the partner's own bearer token as well.
 */
export type Authenticate = (req: IncomingMessage, accept: { partnerToken: boolean }) => Promise<Identity>;

const challenge = { 'www-authenticate': 'Bearer realm="tracefed"' };

export function createAuthenticator(auth: NodeAuth): Authenticate {
  return async (req, accept) => {
    const signed = req.headers[IDENTITY_HEADER];
    const signedValue = Array.isArray(signed) ? signed[0] : signed;
    if (signedValue) {
      try {
        return await auth.verifyIdentity(signedValue);
      } catch (error) {
        throw new HttpError(401, `gateway identity refused: ${reason(error)}`, challenge);
      }
    }
    if (!accept.partnerToken) {
      throw new HttpError(
        401,
        `this node answers GraphQL only for the tracefed gateway: the request lacks the gateway-signed ${IDENTITY_HEADER} header`,
        challenge,
      );
    }
    let token: string | null;
    try {
      token = bearerToken(req.headers.authorization);
    } catch (error) {
      throw new HttpError(401, reason(error), challenge);
    }
    if (!token) throw new HttpError(401, 'authentication required: send "Authorization: Bearer <JWT>"', challenge);
    try {
      return await auth.verifyPartnerToken(token);
    } catch (error) {
      throw new HttpError(401, reason(error), challenge);
    }
  };
}

function reason(error: unknown): string {
  return error instanceof AuthenticationError ? error.message : 'token could not be verified';
}
