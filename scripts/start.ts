/**
 * `npm start`: the whole network on one machine. Opens each node's database (embedded PGlite under
 * .data/<node>/, or PostgreSQL when <NODE>_DATABASE_URL is set), starts the three subgraphs on
 * 4001-4003, seeds the demo network once through each node's EPCIS capture endpoint, starts the gateway
 * on 4000, and prints a trace query to paste.
 */
import { formatElementString, formatAiDate } from '@tracefed/kit/gs1/index';
import { openDatabase } from '@tracefed/kit/db/connection';
import { startSubgraph } from '@tracefed/kit/server/subgraph';
import * as manufacturer from '@tracefed/manufacturer';
import * as distributor from '@tracefed/distributor';
import * as dispenser from '@tracefed/dispenser';
import { readSupergraph, startGateway } from '@tracefed/gateway';
import { buildDemoNetwork } from './demo/network.ts';
import { seedNode } from './demo/seed.ts';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const env = process.env;
const dataDir = env.DATA_DIR ?? '.data';
const host = env.HOST ?? '127.0.0.1';
const started = Date.now();

const nodes = [
  { module: manufacturer, port: 4001 },
  { module: distributor, port: 4002 },
  { module: dispenser, port: 4003 },
] as const;

process.on('uncaughtException', (error) => {
  console.error(`tracefed failed to start: ${error.message}`);
  process.exit(1);
});
const network = buildDemoNetwork();
// PGlite takes seconds to start: open the three databases side by side.
const databases = await Promise.all(
  nodes.map(({ module }) => {
    const url = env[`${module.name.toUpperCase()}_DATABASE_URL`];
    return openDatabase({ url, dataDir: url ? undefined : `${dataDir}/${module.name}`, migrationsFolder: module.migrationsFolder });
  }),
);
const subgraphs = await Promise.all(
  nodes.map(({ module, port }, i) => startSubgraph(module.definition as never, databases[i]!, { port, host })),
);
// The demo partners send their EPCIS documents to each node's capture endpoint, as real partners would.
const seeds = await Promise.all(
  nodes.map(({ module }, i) => seedNode({ database: databases[i]!, url: subgraphs[i]!.url }, module.name, network)),
);
const gateway = await startGateway({
  supergraphSdl: readSupergraph(),
  port: Number(env.PORT ?? 4000),
  host,
  subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
});

const hero = network.heroUnit;
const code = formatElementString([
  { ai: '01', value: hero.gtin },
  { ai: '21', value: hero.serial },
  { ai: '10', value: hero.lot },
  { ai: '17', value: formatAiDate(hero.expiry) },
]);
for (const [i, s] of subgraphs.entries()) {
  const seed = seeds[i]!;
  console.log(
    `${s.name.padEnd(12)} ${s.url}  (${databases[i]!.driver}; ${seed.seeded ? `seeded ${seed.events} events` : `${seed.events} events kept`})`,
  );
}
console.log(`gateway      ${gateway.url}`);
console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
console.log('Paste into a GraphQL client pointed at the gateway:\n');
console.log(`query Trace {
  trace(code: "${code}") {
    gtin serial
    product { name strength dosageForm nationalDrugCode }
    lot { lotNumber expiry manufactureDate packagingSite { name country }
          components { material lotNumber manufactureDate supplier { name } site { name country } } }
    custody {
      status
      currentCustodian { name gln }
      hops { holder { name } location { name } from to receivedFrom { name } shippedTo { name } }
      containers { sscc depth node }
      breaks { code message eventIDs }
    }
    sales { seller { name } buyer { name } unitPrice currency invoice }
    dispense { dispenser { name } dispensedAt patientRef }
  }
}
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // Never hang on shutdown: whatever has not closed in 5 s is cut off with the process.
  setTimeout(() => process.exit(0), 5000).unref();
  await gateway.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  await Promise.all(databases.map((d) => d.close()));
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
