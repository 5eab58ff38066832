/**
 * Reads a V8 CPU profile (node --cpu-prof) and says where the time went: self time by function, and
 * time by layer. A sample's layer is that of the innermost frame on its stack that belongs to a known
 * layer (a dependency, Node's fetch client, our own code), so Node internals count for whoever called
 * them: a socket write made by the PostgreSQL client counts as "pg", the same write made by the HTTP
 * server for its response counts as "node:http server". Module loading (start-up) is its own layer.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not idle. */
  busyMs: number;
  /** Busy time outside module loading: the time spent serving. */
  servingMs: number;
  byLayer: Array<{ name: string; ms: number; share: number }>;
  byFunction: Array<{ name: string; where: string; ms: number; share: number }>;
}

/** The layer a frame belongs to, or undefined for frames that only pass time on to their caller. */
export function layerOf(functionName: string, url: string): string | undefined {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (url.startsWith('node:internal/modules/') || url.includes('/node_modules/tsx/') || url.includes('/node_modules/esbuild/')) {
    return 'module loading (start-up)';
  }
  if (url.includes('node:internal/deps/undici')) return "Node's fetch (undici)";
  if (url.startsWith('node:_http') || url === 'node:http') return 'node:http';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
    if (pkg === 'graphql') return rest[1] === 'execution' || rest[1] === 'type' || rest[1] === 'jsutils' ? 'graphql-js execution' : 'graphql-js parse/validate/print';
    if (pkg === 'pg' || pkg === 'pg-protocol' || pkg === 'pg-pool' || pkg === 'pg-types') return 'pg (PostgreSQL client)';
    return pkg;
  }
  const ours = /\/(subgraphs\/[^/]+|gateway|bench|scripts)\//.exec(url);
  if (ours) return `tracefed ${ours[1]}`;
  return undefined;
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const layerCache = new Map<number, string>();
  const layerFor = (id: number): string => {
    const cached = layerCache.get(id);
    if (cached) return cached;
    let at: number | undefined = id;
    let layer: string | undefined;
    while (at !== undefined && !layer) {
      const node = byId.get(at);
      if (node) layer = layerOf(node.callFrame.functionName, node.callFrame.url);
      at = parent.get(at);
    }
    const name = layer ?? 'Node core (event loop, sockets, timers)';
    layerCache.set(id, name);
    return name;
  };

  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  let idle = 0;
  const layers = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const layer = functionName === '(program)' ? '(program: V8 outside JS)' : layerFor(id);
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
    if (layer === 'module loading (start-up)') continue;
    const where = url ? `${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(subgraphs|gateway|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = functions.get(key) ?? { name: functionName || '(anonymous)', where, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const busyMs = totalMs - idle;
  const servingMs = busyMs - (layers.get('module loading (start-up)') ?? 0);
  const share = (ms: number) => Math.round((ms / servingMs) * 1000) / 10;
  return {
    file,
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    servingMs: Math.round(servingMs),
    byLayer: [...layers.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: name === 'module loading (start-up)' ? 0 : share(ms) })),
    byFunction: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
  };
}
