/** Regenerates every node's drizzle-kit migrations from its src/db/schema.ts (no-op when unchanged). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
for (const node of ['manufacturer', 'distributor', 'dispenser']) {
  execFileSync('npx', ['drizzle-kit', 'generate', '--config', `subgraphs/${node}/drizzle.config.ts`], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
console.log('migrations are generated');
