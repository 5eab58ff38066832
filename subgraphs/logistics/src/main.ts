// The logistics node's entry point: the only file that reads the environment and listens.
import { runSubgraphFromEnv } from '@tracefed/kit/server/main';
import { definition, migrationsFolder } from './index.ts';

await runSubgraphFromEnv(definition, migrationsFolder, 4004);
