/**
 * Cold and warm `npm start`: time until it prints "ready in". Cold is a fresh DATA_DIR (PGlite
 * initialised and migrated, the demo seeded); warm is the same directory again. `npm start` binds the
 * fixed ports 4000-4003, so it runs only when they are free at that moment; otherwise the same steps
 * run on port 0 (bench/start-equivalent.ts) and the result says so.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORTS = [4000, 4001, 4002, 4003];

export interface StartRun {
  /** Seconds from spawning the command to its "ready in" line. */
  wallSeconds: number;
  /** What the process itself printed ("ready in N s", from its own start). */
  reportedSeconds: number;
}

export interface StartupResult {
  method: 'npm start' | 'equivalent on port 0 (ports 4000-4003 were taken)';
  cold: StartRun;
  warm: StartRun;
}

function portsInUse(): number[] {
  try {
    // Columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
    const out = execFileSync('ss', ['-ltnH'], { encoding: 'utf8' });
    const bound = new Set(
      out
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[3] ?? '')
        .map((local) => Number(local.slice(local.lastIndexOf(':') + 1))),
    );
    return PORTS.filter((p) => bound.has(p));
  } catch {
    return PORTS;
  }
}

async function runOnce(command: string, args: string[], dataDir: string): Promise<StartRun> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, APOLLO_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it stops npm, tsx and node together.
    detached: true,
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    return await new Promise<StartRun>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "ready in" after 180 s:\n${output}`)), 180_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ready in ([\d.]+) s/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve({ wallSeconds: Math.round((performance.now() - started) / 10) / 100, reportedSeconds: Number(match[1]) });
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${output.slice(-2000)}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

export async function measureStartup(): Promise<StartupResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracefed-bench-start-'));
  try {
    if (portsInUse().length === 0) {
      try {
        const cold = await runOnce('npm', ['start'], dataDir);
        const warm = await runOnce('npm', ['start'], dataDir);
        return { method: 'npm start', cold, warm };
      } catch (error) {
        // Someone took a port between the check and the start: fall through to the equivalent.
        if (!/EADDRINUSE/.test((error as Error).message)) throw error;
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const tsx = [join(ROOT, 'node_modules', '.bin', 'tsx'), 'bench/start-equivalent.ts'] as const;
    const cold = await runOnce(tsx[0], [tsx[1]], dataDir);
    const warm = await runOnce(tsx[0], [tsx[1]], dataDir);
    return { method: 'equivalent on port 0 (ports 4000-4003 were taken)', cold, warm };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
