/**
 * What `npm start` does (scripts/start.ts), on port 0: open each node's embedded PGlite under DATA_DIR,
 * seed the demo once, start the three subgraphs and the gateway, print "ready in". The benchmark runs
 * it only when ports 4000-4003, which `npm start` binds, are taken by someone else.
 */
import { openDatabase } from '@tracefed/kit/db/connection';
import { startSubgraph } from '@tracefed/kit/server/subgraph';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { readSupergraph, startGateway } from '@tracefed/gateway';
import { buildDemoNetwork } from '../scripts/demo/network.ts';
import { seedNode } from '../scripts/demo/seed.ts';

const started = Date.now();
const dataDir = process.env.DATA_DIR ?? '.data';
const nodes = [manufacturer, distributor, dispenser] as const;
const network = buildDemoNetwork();
const databases = await Promise.all(
  nodes.map((module) => openDatabase({ dataDir: `${dataDir}/${module.name}`, migrationsFolder: module.migrationsFolder })),
);
await Promise.all(nodes.map((module, i) => seedNode(databases[i]!, module.name, network)));
const subgraphs = await Promise.all(nodes.map((module, i) => startSubgraph(module.definition as never, databases[i]!, { port: 0 })));
const gateway = await startGateway({
  supergraphSdl: readSupergraph(),
  port: 0,
  subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
});
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
