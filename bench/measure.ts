/** Latency and throughput measurement against an HTTP endpoint that answers the trace. */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: sorted.length,
    mean: round(sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length)),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    min: round(sorted[0] ?? 0),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Extra request headers (the bearer token); every target gets the same ones. */
export type Headers = Record<string, string>;

/** POSTs a JSON body over a kept-alive connection and returns status, body text and bytes. */
export function post(url: string, body: string, headers: Headers = {}): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Concurrency 1: one request after another, each timed from send to last byte. Every answer is handed
 * to `check` (which may compare it with the floor's).
 */
export async function sequential(
  url: string,
  bodies: string[],
  options: { requests: number; warmup: number; headers?: Headers; check?: (index: number, status: number, text: string) => void; samples?: number[] },
): Promise<Percentiles> {
  const failures: string[] = [];
  for (let i = 0; i < options.warmup; i += 1) {
    const { status, text } = await post(url, bodies[i % bodies.length] as string, options.headers);
    if (status !== 200) failures.push(`HTTP ${status}: ${text.slice(0, 300)}`);
  }
  const samples: number[] = [];
  for (let i = 0; i < options.requests; i += 1) {
    const index = i % bodies.length;
    const started = performance.now();
    const { status, text } = await post(url, bodies[index] as string, options.headers);
    samples.push(performance.now() - started);
    if (status !== 200) failures.push(`HTTP ${status}: ${text.slice(0, 300)}`);
    options.check?.(index, status, text);
  }
  // A refused request (401, 429) is fast and would flatter the figures: it fails the measurement instead.
  if (failures.length > 0) throw new Error(`${failures.length} requests to ${url} failed, first: ${failures[0]}`);
  options.samples?.push(...samples);
  return percentiles(samples);
}

export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  /** Mean requests per second. */
  throughput: number;
  latency: { mean: number; p50: number; p90: number; p97_5: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Concurrency N with autocannon, rotating through the bodies so each request traces another pack. */
export async function load(url: string, bodies: string[], connections: number, seconds: number, headers: Headers = {}): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] as string }),
      },
    ],
  });
  return {
    connections,
    seconds,
    requests: result.requests.total,
    throughput: Math.round(result.requests.average * 10) / 10,
    latency: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
