/**
 * Runs the services under test as child processes on port 0 (so each one's memory is its own), reads
 * the URL each prints when ready, samples their resident memory while load runs, and stops them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from '../scripts/build.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Service {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** Highest resident set sampled while `sampling` was on, in bytes. */
  peakRssUnderLoad: number;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  /** Entry file relative to the repository root. */
  entry: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  ready: RegExp;
  /** Run the TypeScript entry through tsx even when the bench built the services (for comparisons). */
  tsx?: boolean;
  /** Run the entry from this compiled tree instead of the bench's own build (another version, for comparisons). */
  compiled?: string;
}

const running = new Set<Service>();

/** What every child gets on top of the inherited environment (see configureServices). */
let shared: { env: Record<string, string>; unset: string[]; compiled?: string } | undefined;

/**
 * Builds the services as production runs them (scripts/build.ts, into dist/) and returns the folder for
 * configureServices: the bench measures the compiled gateway and nodes, not TypeScript loaded by tsx.
 */
export function buildServices(): string {
  const out = fileURLToPath(new URL('../dist', import.meta.url));
  build(out);
  return out;
}

/**
 * Sets the environment every service starts with: the bench's identity set-up (bench/auth.ts), so
 * that every gateway and node reads the same keys. Must run before the first startService.
 */
export function configureServices(options: { env: Record<string, string>; unset: string[]; compiled?: string }): void {
  shared = options;
}

/**
 * How a service is started: the gateway and the nodes from their compiled JavaScript when the bench
 * built them (`compiled`, the output of scripts/build.ts: what production runs), anything else (the
 * bench's own servers) through tsx.
 */
function commandOf(spec: ServiceSpec): string[] {
  const compiled = spec.compiled ?? shared?.compiled;
  if (compiled && !spec.tsx && /^(gateway|subgraphs)\//.test(spec.entry)) return [`${compiled}/${spec.entry.replace(/\.ts$/, '.js')}`];
  return ['--import', 'tsx', spec.entry];
}

/** Starts a service and resolves once it printed its URL; rejects with its output when it dies first. */
export async function startService(spec: ServiceSpec, timeoutMs = 120_000): Promise<Service> {
  if (!shared) throw new Error(`cannot start ${spec.name}: call configureServices with the bench's identity set-up first`);
  const inherited = { ...process.env };
  for (const name of shared.unset) delete inherited[name];
  const child = spawn(process.execPath, [...(spec.nodeFlags ?? []), ...commandOf(spec)], {
    cwd: ROOT,
    env: { ...inherited, APOLLO_TELEMETRY_DISABLED: '1', HOST: '127.0.0.1', PORT: '0', ...shared.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.name} did not become ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = spec.ready.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited with code ${code} before it was ready:\n${output}`));
    });
  });
  // Keep draining its output so a chatty service never blocks on a full pipe.
  child.stdout?.resume();
  const service: Service = {
    name: spec.name,
    url,
    pid: child.pid as number,
    child,
    peakRssUnderLoad: 0,
    async stop() {
      running.delete(service);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(service);
  return service;
}

/** Stops every service still running (used on failure and at exit). */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** VmRSS and VmHWM (the kernel's high-water mark of the resident set) of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** Samples the services' resident memory every 200 ms while `work` runs. */
export async function sampling<T>(services: Service[], work: () => Promise<T>): Promise<T> {
  const sample = () => {
    for (const s of services) s.peakRssUnderLoad = Math.max(s.peakRssUnderLoad, memoryOf(s.pid).rss);
  };
  const timer = setInterval(sample, 200);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    sample();
  }
}
