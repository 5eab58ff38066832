/**
 * One stack of the graph on given databases: the three nodes and a gateway, as child processes
 * (bench/services.ts), optionally with recording proxies (bench/proxy.ts) between the gateway and its
 * nodes. The side-by-side instruments (bench/trace-ab.ts, bench/recall-graph.ts) start two of these.
 */
import { UNTHROTTLED } from './auth.ts';
import { startRecordingProxies, type RecordingProxy } from './proxy.ts';
import { NODE_NAMES, type NodeName } from './network.ts';
import { startService, type Service } from './services.ts';

export interface StackOptions {
  /** Prefix of the processes' names. */
  label: string;
  /** Each node's database. */
  urls: Record<NodeName, string>;
  /** Added to the nodes' environment. */
  nodeEnv?: Record<string, string>;
  /** Added to the gateway's environment. */
  gatewayEnv?: Record<string, string>;
  /** Another version's compiled tree (see ServiceSpec.compiled). */
  compiled?: string;
  /** Extra node flags per process, e.g. --cpu-prof. */
  flags?: (process: NodeName | 'gateway') => string[];
  /** Put recording proxies between the gateway and its nodes. */
  record?: boolean;
}

export async function startStack(options: StackOptions): Promise<{ gateway: Service; proxy?: RecordingProxy }> {
  const compiled = options.compiled ? { compiled: options.compiled } : {};
  const nodes = await Promise.all(
    NODE_NAMES.map((node) =>
      startService({
        name: `${options.label}${node}`,
        entry: `subgraphs/${node}/src/main.ts`,
        env: { [`${node.toUpperCase()}_DATABASE_URL`]: options.urls[node], ...options.nodeEnv },
        ready: /subgraph ready at (\S+)/,
        nodeFlags: options.flags?.(node) ?? [],
        ...compiled,
      }),
    ),
  );
  let targets: Record<string, string> = { manufacturer: nodes[0]!.url, distributor: nodes[1]!.url, dispenser: nodes[2]!.url };
  const proxy = options.record ? await startRecordingProxies(targets) : undefined;
  if (proxy) targets = proxy.urls;
  const gateway = await startService({
    name: `${options.label}gateway`,
    entry: 'gateway/src/main.ts',
    env: { MANUFACTURER_URL: targets.manufacturer!, DISTRIBUTOR_URL: targets.distributor!, DISPENSER_URL: targets.dispenser!, ...UNTHROTTLED, ...options.gatewayEnv },
    ready: /gateway ready at (\S+)/,
    nodeFlags: options.flags?.('gateway') ?? [],
    ...compiled,
  });
  return { gateway, ...(proxy ? { proxy } : {}) };
}

/** The `--this-env NAME=VALUE` options (repeatable) of a command line: settings for this version's stack only. */
export function thisEnvOptions(argv: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  argv.forEach((arg, i) => {
    if (arg !== '--this-env') return;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(argv[i + 1] ?? '');
    if (!match) throw new Error(`--this-env needs NAME=VALUE, got ${argv[i + 1] ?? 'nothing'}`);
    env[match[1] as string] = match[2] as string;
  });
  return env;
}
