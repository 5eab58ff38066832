/**
 * `npm start`: the whole network on one machine. Opens each node's database (embedded PGlite under
 * .data/<node>/, or PostgreSQL when <NODE>_DATABASE_URL is set), starts every subgraph of the registry
 * (schema/subgraphs.ts) on its port, seeds the demo network once through each node's EPCIS capture
 * endpoint, starts the gateway on 4000, and prints a trace query to paste.
 */
import { formatElementString, formatAiDate } from '@tracefed/kit/gs1/index';
import { openDatabase } from '@tracefed/kit/db/connection';
import { startSubgraph } from '@tracefed/kit/server/subgraph';
import { readSupergraph, startGateway } from '@tracefed/gateway';
import { loadAuthConfig } from '@tracefed/kit/auth/config';
import { buildDemoNetwork } from './demo/network.ts';
import { issueDevTokens, writeDevTokens } from './demo/identities.ts';
import { seedNode } from './demo/seed.ts';
import { loadSubgraphModules } from '../schema/subgraphs.ts';

process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
const env = process.env;
const dataDir = env.DATA_DIR ?? '.data';
const host = env.HOST ?? '127.0.0.1';
const started = Date.now();

process.on('uncaughtException', (error) => {
  console.error(`tracefed failed to start: ${error.message}`);
  process.exit(1);
});
const nodes = await loadSubgraphModules();
const network = buildDemoNetwork();
// Development plays its own identity provider (keys under .data/, kept across restarts); production
// refuses to start without a real provider's JWKS (see README "Identity and access").
const auth = await loadAuthConfig(env, dataDir);
const tokens = auth.dev ? await issueDevTokens(auth.dev, network) : [];
const tokenOf = new Map(tokens.map((t) => [t.partner, t.token]));
// PGlite takes seconds to start: open the databases side by side.
const databases = await Promise.all(
  nodes.map((node) => {
    const url = env[`${node.name.toUpperCase()}_DATABASE_URL`];
    return openDatabase({ url, dataDir: url ? undefined : `${dataDir}/${node.name}`, migrationsFolder: node.migrationsFolder });
  }),
);
const subgraphs = await Promise.all(
  nodes.map((node, i) => startSubgraph(node.definition, databases[i]!, { auth, port: node.port, host })),
);
// The demo partners send their EPCIS documents to each node's capture endpoint, as real partners would.
const seeds = await Promise.all(
  nodes.map((node, i) =>
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
      node.name,
      network,
    ),
  ),
);
const gateway = await startGateway({
  supergraphSdl: readSupergraph(),
  auth,
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
if (auth.dev) {
  const tokensFile = `${dataDir}/dev-tokens.json`;
  writeDevTokens(tokensFile, tokens);
  console.log(`\nDevelopment tokens (valid 30 days; all in ${tokensFile}). Send one as "Authorization: Bearer <token>":`);
  for (const t of tokens) console.log(`  ${t.role.padEnd(12)} ${t.name.padEnd(38)} ${t.partner}\n    ${t.token}`);
}
console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
console.log('Paste into a GraphQL client pointed at the gateway, with the manufacturer\'s or an investigator\'s token:\n');
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
