import { Kind, parse, type ConstValueNode } from 'graphql';

/**
 * The subgraphs a supergraph routes to, by name, as composition recorded them: each value of the
 * `join__Graph` enum carries `@join__graph(name: "...", url: "...")`.
 */
export function supergraphSubgraphs(supergraphSdl: string): Array<{ name: string; url: string }> {
  const graphs = parse(supergraphSdl).definitions.find(
    (d) => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'join__Graph',
  );
  if (!graphs || graphs.kind !== Kind.ENUM_TYPE_DEFINITION) throw new Error('the supergraph has no join__Graph enum: is it a composed supergraph?');
  const text = (value: ConstValueNode | undefined) => (value?.kind === Kind.STRING ? value.value : undefined);
  return (graphs.values ?? []).map((value) => {
    const directive = value.directives?.find((d) => d.name.value === 'join__graph');
    const name = text(directive?.arguments?.find((a) => a.name.value === 'name')?.value);
    const url = text(directive?.arguments?.find((a) => a.name.value === 'url')?.value);
    if (!name || url === undefined) throw new Error(`supergraph join__Graph.${value.name.value} has no @join__graph(name, url)`);
    return { name, url };
  });
}

/**
 * The subgraph URL overrides a deployment sets: `<NAME>_URL` (MANUFACTURER_URL, DISTRIBUTOR_URL, ...) for
 * every subgraph of the supergraph, so a node added with `npm run new-subgraph` is configurable the
 * moment it is composed. Unset names keep the URL composition recorded.
 */
export function subgraphUrlsFromEnv(supergraphSdl: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const { name } of supergraphSubgraphs(supergraphSdl)) {
    const url = env[`${name.toUpperCase()}_URL`];
    if (url) urls[name] = url;
  }
  return urls;
}
