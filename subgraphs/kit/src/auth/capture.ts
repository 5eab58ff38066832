import { EpcisDocumentError, type DocumentProblem } from '../epcis/validate.ts';
import type { NormalisedDocument } from '../epcis/normalise.ts';
import type { Identity, Role } from './identity.ts';

/** The node events are captured into: the subgraph's name (manufacturer, distributor, ...). */
export type CaptureNode = string;

/**
 * The partner roles that capture into a node. A subgraph definition names them (`captureRoles`); without
 * that, only the role named like the node: a distributor into the distributor node, and so on.
 */
function captureRolesOf(node: CaptureNode, captureRoles?: readonly Role[]): readonly string[] {
  return captureRoles ?? [node];
}

/** "only a distributor may", "only a distributor or a logistics may", "no partner may". */
function whoMay(roles: readonly string[]): string {
  if (roles.length === 0) return 'no partner may';
  const named = roles.map((r) => `a ${r}`);
  const last = named.pop() as string;
  return `only ${named.length > 0 ? `${named.join(', ')} or ${last}` : last} may`;
}

/** The GLN inside a location's canonical key (`/414/{gln}[/254/{ext}]`), or null for another kind of location. */
function locationGln(key: string): string | null {
  return /^\/414\/(\d{13})(?:\/|$)/.exec(key)?.[1] ?? null;
}

/**
 * A location belongs to the capturing partner when its GLN is the partner's own party GLN, or was
 * allocated from the partner's GS1 company prefix (the `gs1CompanyPrefix` claim): GS1 allocates GLNs
 * from the prefix of the company that owns the location. Master data a partner sends about a location
 * does not make it its own: that would be the partner vouching for itself.
 */
export function ownsLocation(identity: Identity, key: string): boolean {
  const gln = locationGln(key);
  if (gln === null) return false;
  if (gln === identity.partner) return true;
  return !!identity.companyPrefix && gln.startsWith(identity.companyPrefix);
}

/**
 * Capture rule of the authorization table: a partner captures only into a node its role may capture
 * into (its own role's node, unless the node's definition names other `captureRoles`), and only events
 * it is the acting party of (read point and business location at its own GLNs). Throws
 * EpcisDocumentError 403 listing every event that breaks it; nothing is stored then.
 */
export function authorizeCapture(
  identity: Identity,
  node: CaptureNode,
  document: NormalisedDocument,
  captureRoles?: readonly Role[],
): void {
  const roles = captureRolesOf(node, captureRoles);
  if (!roles.includes(identity.role)) {
    throw new EpcisDocumentError([{ path: '$', reason: `a ${identity.role} may not capture into the ${node} node; ${whoMay(roles)}` }], 403);
  }
  const problems: DocumentProblem[] = [];
  document.events.forEach((event, index) => {
    for (const field of ['readPoint', 'bizLocation'] as const) {
      const key = event[field];
      if (key !== null && !ownsLocation(identity, key)) {
        problems.push({
          eventIndex: index,
          path: `${document.eventListPath}[${index}].${field}`,
          reason: `${field} ${key} is not a location of partner ${identity.partner}; a partner captures only events at its own locations`,
        });
      }
    }
  });
  if (problems.length > 0) throw new EpcisDocumentError(problems, 403);
}
