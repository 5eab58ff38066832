/** Who is asking: the verified claims every authorization decision reads. */

/**
 * A partner's role. Partners that hold or move goods run a node of their role: manufacturers,
 * distributors (wholesalers), dispensers (pharmacies, hospitals) and logistics service providers
 * (third-party carriers). Investigators and regulators hold no goods and run no node.
 */
export const ROLES = ['manufacturer', 'distributor', 'dispenser', 'logistics', 'investigator', 'regulator'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  /** The subject (a user or a system account). */
  sub: string;
  /** The partner's party GLN (AI 417). */
  partner: string;
  role: Role;
  scope: string[];
  /** The partner's GS1 company prefix: makes it the manufacturer of every GTIN that starts with it. */
  companyPrefix?: string;
}

/** Raised for a missing, malformed, forged or expired credential. Says why, never echoes secrets. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

const GLN = /^\d{13}$/;

/** Reads and checks the tracefed claims of a verified JWT payload. */
export function identityFromClaims(claims: Record<string, unknown>): Identity {
  const { sub, partner, role, scope, gs1CompanyPrefix } = claims;
  if (typeof sub !== 'string' || sub.length === 0) throw new AuthenticationError('token has no "sub" claim');
  if (typeof partner !== 'string' || !GLN.test(partner)) {
    throw new AuthenticationError('token claim "partner" must be the partner\'s 13-digit GLN');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new AuthenticationError(`token claim "role" must be one of ${ROLES.join(', ')}`);
  }
  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scope) ? scope.map(String) : [];
  if (gs1CompanyPrefix !== undefined && (typeof gs1CompanyPrefix !== 'string' || !/^\d{4,12}$/.test(gs1CompanyPrefix))) {
    throw new AuthenticationError('token claim "gs1CompanyPrefix" must be 4 to 12 digits');
  }
  return {
    sub,
    partner,
    role: role as Role,
    scope: scopes,
    ...(typeof gs1CompanyPrefix === 'string' ? { companyPrefix: gs1CompanyPrefix } : {}),
  };
}

/** The claims that carry an identity (the inverse of identityFromClaims). */
export function claimsOf(identity: Identity): Record<string, unknown> {
  return {
    sub: identity.sub,
    partner: identity.partner,
    role: identity.role,
    scope: identity.scope.join(' '),
    ...(identity.companyPrefix ? { gs1CompanyPrefix: identity.companyPrefix } : {}),
  };
}
