/**
 * The demo's identities: one per partner that runs on a node (its role is its node's), plus an
 * investigator and a regulator. `npm start` issues a token to each with the development identity
 * provider and writes them to .data/dev-tokens.json; tests use the same list.
 */
import { writeFileSync } from 'node:fs';
import type { DevAuth } from '@tracefed/kit/auth/dev';
import type { Identity, Role } from '@tracefed/kit/auth/identity';
import { computeCheckDigit } from '@tracefed/kit/gs1/index';
import type { DemoNetwork } from './network.ts';

export interface DemoIdentity extends Identity {
  /** The demo party's key (meridian, northline, ...) or the authority's. */
  key: string;
  name: string;
}

export interface DevToken {
  role: Role;
  partner: string;
  name: string;
  key: string;
  token: string;
}

const glnOf = (prefix: string) => {
  const digits = `${prefix}00000`.slice(0, 12);
  return digits + computeCheckDigit(digits);
};

/** Authorities of the demo: they hold no custody, so they run no node. Fictitious names and GLNs. */
export const AUTHORITIES = [
  { key: 'inspectorate', name: 'National Medicines Inspectorate', role: 'regulator', prefix: '4099990' },
  { key: 'fraud-unit', name: 'Medicines Fraud Investigation Unit', role: 'investigator', prefix: '4088880' },
] as const;

const SCOPES: Record<Role, string[]> = {
  manufacturer: ['trace', 'verify', 'capture', 'recall'],
  distributor: ['trace', 'verify', 'capture'],
  dispenser: ['trace', 'verify', 'capture'],
  logistics: ['trace', 'verify', 'capture'],
  investigator: ['trace', 'verify', 'investigate'],
  regulator: ['trace', 'verify', 'recall', 'investigate'],
};

export function demoIdentities(network: DemoNetwork): DemoIdentity[] {
  const partners = Object.values(network.parties)
    .filter((p) => p.node !== null)
    .map((p): DemoIdentity => {
      const role = p.node as Role;
      return { key: p.key, name: p.name, sub: `demo:${p.key}`, partner: p.gln, role, scope: SCOPES[role], companyPrefix: p.prefix };
    });
  const authorities = AUTHORITIES.map(
    (a): DemoIdentity => ({ key: a.key, name: a.name, sub: `demo:${a.key}`, partner: glnOf(a.prefix), role: a.role, scope: SCOPES[a.role] }),
  );
  return [...partners, ...authorities];
}

/** Issues a token to every demo identity. */
export async function issueDevTokens(auth: DevAuth, network: DemoNetwork): Promise<DevToken[]> {
  return Promise.all(
    demoIdentities(network).map(async ({ key, name, ...identity }) => ({
      role: identity.role,
      partner: identity.partner,
      name,
      key,
      token: await auth.issue({ sub: identity.sub, partner: identity.partner, role: identity.role, scope: identity.scope, ...(identity.companyPrefix ? { companyPrefix: identity.companyPrefix } : {}) }),
    })),
  );
}

export function writeDevTokens(file: string, tokens: DevToken[]): void {
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
}
