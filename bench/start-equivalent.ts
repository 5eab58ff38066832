/**
 * What `npm start` does (scripts/start.ts), on port 0: load the identity set-up (development keys under
 * DATA_DIR, created on first start) and issue the demo partners' tokens, open each node's embedded
 * PGlite under DATA_DIR, start the three subgraphs, seed the demo once through each node's capture
 * endpoint with the writing partner's token, start the gateway, write the tokens, print "ready in".
 * The benchmark runs it only when ports 4000-4003, which `npm start` binds, are taken by someone else.
 */
import { openDatabase } from '@tracefed/kit/db/connection';
import { startSubgraph } from '@tracefed/kit/server/subgraph';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { readSupergraph, startGateway } from '@tracefed/gateway';
import { loadAuthConfig } from '@tracefed/kit/auth/config';
import { buildDemoNetwork } from '../scripts/demo/network.ts';
import { issueDevTokens, writeDevTokens } from '../scripts/demo/identities.ts';
import { seedNode } from '../scripts/demo/seed.ts';

const started = Date.now();
const dataDir = process.env.DATA_DIR ?? '.data';
const nodes = [manufacturer, distributor, dispenser] as const;
const network = buildDemoNetwork();
const auth = await loadAuthConfig(process.env, dataDir);
const tokens = auth.dev ? await issueDevTokens(auth.dev, network) : [];
const tokenOf = new Map(tokens.map((t) => [t.partner, t.token]));
const databases = await Promise.all(
  nodes.map((module) => openDatabase({ dataDir: `${dataDir}/${module.name}`, migrationsFolder: module.migrationsFolder })),
);
const subgraphs = await Promise.all(nodes.map((module, i) => startSubgraph(module.definition as never, databases[i]!, { auth, port: 0 })));
await Promise.all(
  nodes.map((module, i) =>
    seedNode(
      {
        database: databases[i]!,
        url: subgraphs[i]!.url,
        tokenFor: (partner) => {
          const token = tokenOf.get(partner);
          if (!token) throw new Error(`no token for demo partner ${partner}: the demo is seeded only with the development identity provider`);
          return token;
        },
      },
      module.name,
      network,
    ),
  ),
);
const gateway = await startGateway({
  supergraphSdl: readSupergraph(),
  auth,
  port: 0,
  subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
});
if (auth.dev) writeDevTokens(`${dataDir}/dev-tokens.json`, tokens);
console.log(`gateway      ${gateway.url}`);
console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const stop = async () => {
  setTimeout(() => process.exit(0), 5000).unref();
  await gateway.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  await Promise.all(databases.map((d) => d.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
