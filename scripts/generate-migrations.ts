/** Regenerates every registered node's drizzle-kit migrations from its src/db/schema.ts (no-op when unchanged). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUBGRAPHS } from '../schema/subgraphs.ts';

const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));
const drizzleKit = fileURLToPath(new URL('../node_modules/.bin/drizzle-kit', import.meta.url));

/**
 * Runs `drizzle-kit generate` for one node (subgraphs/<name>/drizzle.config.ts, paths relative to
 * `root`); `label` names a new migration file (0000_<label>.sql), drizzle-kit picks a name otherwise.
 */
export function generateMigrations(name: string, options: { root?: string; label?: string } = {}): void {
  execFileSync(
    drizzleKit,
    ['generate', '--config', `subgraphs/${name}/drizzle.config.ts`, ...(options.label ? ['--name', options.label] : [])],
    { cwd: options.root ?? repositoryRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const { name } of SUBGRAPHS) generateMigrations(name);
  console.log('migrations are generated');
}
