import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, CompositionError, supergraphPath } from './compose.ts';
import { SUBGRAPHS, subgraphSdl } from './subgraphs.ts';

describe('supergraph', () => {
  it('composes, and the committed schema/supergraph.graphql is not stale', () => {
    const fresh = composeSupergraph();
    expect(readFileSync(supergraphPath, 'utf8'), 'run `npm run compose` and commit the result').toBe(fresh);
  });

  it('fails composition with a message that names the conflicting field', () => {
    const subgraphs = SUBGRAPHS.map((s) => ({ name: s.name, url: `http://localhost:${s.port}/graphql`, sdl: subgraphSdl(s.name) }));
    // The dispenser claims SerializedUnit.sales with a different type than the distributor's.
    const broken = subgraphs.map((s) =>
      s.name === 'dispenser' ? { ...s, sdl: s.sdl.replace('dispense: Dispense', 'dispense: Dispense\n  sales: [String!]!') } : s,
    );
    expect(() => composeSupergraph(broken)).toThrow(CompositionError);
    expect(() => composeSupergraph(broken)).toThrow(/SerializedUnit\.sales/);
  });
});
