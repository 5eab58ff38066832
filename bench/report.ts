/** Renders a benchmark run as the markdown table the README and bench/results/ carry. */
import type { BulkCheck } from './check.ts';
import type { CaptureResult } from './capture.ts';
import type { LoadStats } from './load.ts';
import type { LoadResult, Percentiles } from './measure.ts';
import type { FetchRound } from './proxy.ts';
import type { RecallResult } from './recall.ts';
import type { StartupResult } from './startup.ts';

export interface TargetResults {
  c1: Percentiles;
  loads: LoadResult[];
}

export interface Results {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    postgres: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  versions: Record<string, string>;
  commit: string;
  options: { units: number; scaleUnits: number; seconds: number; requests: number };
  bulkCheck?: BulkCheck;
  data: {
    units: number;
    lots: number;
    largestLot: number;
    distributors: number;
    dispensers: number;
    events: number;
    rows: number;
    load: { seconds: number; eventsPerSecond: number; rowsPerSecond: number; perNode: LoadStats[] };
    databaseBytes: Record<string, number>;
  };
  answers: {
    compared: number;
    gatewayEqualsFloor: number;
    hiveEqualsFloor: number;
    firstDifference?: string;
    /** --peer-supergraph: both gateways on the supergraph committed at `rev`. */
    peer?: { rev: string; compared: number; hiveEqualsFloor: number; oursEqualsFloor: number };
  };
  trace: {
    gateway: TargetResults;
    hive?: TargetResults;
    floor: TargetResults;
    /** Our gateway on the --peer-supergraph supergraph, paired with Hive there. */
    gatewayOnPeerSupergraph?: TargetResults;
    peerSupergraph?: string;
    hiveError?: string;
  };
  /** Who the traces run as, and the auth work each gateway and the subgraphs do per request. */
  auth?: {
    identity: string;
    gateway: string;
    hive: string;
    subgraphs: string;
    /** HTTP status of a trace without a token and with a forged one, per gateway (both must refuse). */
    refused?: Record<string, { noToken: number; forgedToken: number }>;
  };
  fetches?: { traces: number; rounds: FetchRound[]; manufacturerRepresentationBytes: number; clientMs: number; statementsPerTrace: Record<string, number> };
  recall?: { runs: RecallResult[]; medianSeconds: number; medianDeployedSeconds: number; gatewaySeconds?: number[]; medianGatewaySeconds?: number };
  capture?: { pglite?: CaptureResult; postgres?: CaptureResult; error?: string };
  scale?: { smallUnits: number; largeUnits: number; small: Percentiles; large: Percentiles; ratioP50: number };
  startup?: StartupResult | { error: string };
  memory: Record<string, { peakRssUnderLoadMB: number; highWaterMarkMB: number }>;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const n = (v: number) => Math.round(v).toLocaleString('en');
const x = (v: number) => `${v.toFixed(2)}×`;
const mark = (ok: boolean | undefined) => (ok === undefined ? '–' : ok ? 'met' : 'not met');

function loadCell(l: LoadResult | undefined): string {
  if (!l) return '–';
  const failures = l.non2xx + l.errors + l.timeouts;
  return `${n(l.throughput)} req/s, p50 ${l.latency.p50} ms, p99 ${l.latency.p99} ms${failures ? `, ${failures} failed` : ''}`;
}

/** The results table (measurement, figure, ratio, target). */
export function resultsTable(r: Results): string {
  const rows: string[][] = [];
  const g = r.trace.gateway;
  const f = r.trace.floor;
  const h = r.trace.hive;
  const at = (t: TargetResults | undefined, c: number) => t?.loads.find((l) => l.connections === c);
  const floorRatio = g.c1.p50 / f.c1.p50;
  rows.push([
    `Trace through our gateway, concurrency 1 (${n(g.c1.count)} traces)`,
    `p50 ${ms(g.c1.p50)}, p95 ${ms(g.c1.p95)}, p99 ${ms(g.c1.p99)}`,
    `${x(floorRatio)} the floor (p50)`,
    'p50 ≤ 3× floor',
    mark(floorRatio <= 3),
  ]);
  for (const c of [16, 64]) {
    const ours = at(g, c);
    const floor = at(f, c);
    rows.push([`Trace through our gateway, concurrency ${c}`, loadCell(ours), ours && floor ? `${x(floor.throughput / ours.throughput)} fewer req/s than the floor` : '–', '', '']);
  }
  rows.push([`Floor: same answer by direct SQL on one database, concurrency 1`, `p50 ${ms(f.c1.p50)}, p95 ${ms(f.c1.p95)}, p99 ${ms(f.c1.p99)}`, '1×', '', '']);
  for (const c of [16, 64]) rows.push([`Floor, concurrency ${c}`, loadCell(at(f, c)), '', '', '']);
  if (h) {
    // Against Hive, our side is the gateway serving the same supergraph Hive served.
    const pair = r.trace.gatewayOnPeerSupergraph ?? g;
    const on = r.trace.peerSupergraph
      ? ` (both gateways on the supergraph committed at ${r.trace.peerSupergraph}, see Answers; ours there: p50 ${ms(pair.c1.p50)}, ${loadCell(at(pair, 16))} at 16)`
      : '';
    rows.push([`Hive Gateway, same supergraph and subgraphs, concurrency 1${on}`, `p50 ${ms(h.c1.p50)}, p95 ${ms(h.c1.p95)}, p99 ${ms(h.c1.p99)}`, `ours/Hive latency ${x(pair.c1.p50 / h.c1.p50)} (p50)`, '', '']);
    for (const c of [16, 64]) {
      const ours = at(pair, c);
      const hive = at(h, c);
      const ratio = ours && hive && hive.throughput > 0 ? ours.throughput / hive.throughput : undefined;
      rows.push([
        `Hive Gateway, concurrency ${c}`,
        loadCell(hive),
        ratio !== undefined && ours && hive ? `ours/Hive throughput ${x(ratio)}, latency ${x(ours.latency.p50 / hive.latency.p50)} (p50)` : 'no answers completed',
        'throughput ≥ Hive',
        mark(ratio === undefined ? undefined : ratio >= 1),
      ]);
    }
  } else {
    rows.push(['Hive Gateway', `did not run: ${r.trace.hiveError ?? 'unknown'}`, '–', 'throughput ≥ Hive', '–']);
  }
  if (r.recall) {
    const best = r.recall.runs[0];
    rows.push([
      `Recall: where is every unit of a ${n(best?.units ?? 0)}-unit lot now (each node's lot query on PostgreSQL, from its unit position table)`,
      `${r.recall.medianDeployedSeconds.toFixed(2)} s with one machine per node (slowest node alone); ${r.recall.medianSeconds.toFixed(2)} s with all three nodes sharing this machine (medians of 3)`,
      '',
      '≤ 1 s',
      mark(r.recall.medianDeployedSeconds <= 1),
    ]);
    if (r.recall.medianGatewaySeconds !== undefined) {
      rows.push([
        'Recall through our gateway (`Lot.whereabouts`, the whole answer; all nodes, the gateway and PostgreSQL on this machine)',
        `median ${r.recall.medianGatewaySeconds.toFixed(2)} s (${(r.recall.gatewaySeconds ?? []).map((s) => s.toFixed(2)).join(', ')})`,
        '',
        '≤ 1 s',
        mark(r.recall.medianGatewaySeconds <= 1),
      ]);
    }
  }
  if (r.capture?.postgres || r.capture?.pglite) {
    for (const c of [r.capture.pglite, r.capture.postgres]) {
      if (!c) continue;
      rows.push([
        `Capture through ingestDocument, 1,000-event documents, ${c.driver === 'pglite' ? 'PGlite (in memory)' : 'PostgreSQL'}`,
        `${n(c.eventsPerSecond)} events/s (${n(c.events)} events, ${n(c.documents)} documents${c.truncated ? ', time-boxed' : ''})`,
        '',
        c.driver === 'postgres' ? '≥ 20,000 events/s' : '',
        c.driver === 'postgres' ? mark(c.eventsPerSecond >= 20_000) : '',
      ]);
      for (const run of c.concurrent ?? []) {
        rows.push([
          `… with ${run.documentsInFlight} documents in flight (validated while earlier ones are stored)`,
          `${n(run.eventsPerSecond)} events/s (${n(run.events)} events, ${n(run.documents)} documents${run.truncated ? ', time-boxed' : ''})`,
          '',
          c.driver === 'postgres' ? '≥ 20,000 events/s' : '',
          c.driver === 'postgres' ? mark(run.eventsPerSecond >= 20_000) : '',
        ]);
      }
      if (c.floor) {
        rows.push([
          'Capture floor: the same documents\' event and identifier rows by COPY into a fresh node database, indexes in place, one transaction per document (PostgreSQL)',
          `${n(c.floor.eventsPerSecond)} events/s (${n(c.floor.events)} events, ${n(c.floor.identifiers)} identifier rows)`,
          `capture ${(c.floor.eventsPerSecond / c.eventsPerSecond).toFixed(1)}× slower than its floor`,
          '',
          '',
        ]);
      }
    }
  } else if (r.capture?.error) rows.push(['Capture', `failed: ${r.capture.error}`, '', '≥ 20,000 events/s', '–']);
  if (r.scale) {
    rows.push([
      `Scale: trace p50 at ${n(r.scale.smallUnits)} and at ${n(r.scale.largeUnits)} units (concurrency 1)`,
      `${ms(r.scale.small.p50)} → ${ms(r.scale.large.p50)}`,
      x(r.scale.ratioP50),
      r.scale.largeUnits >= 1_000_000 ? '≤ 1.3× (10k → 1M)' : '≤ 1.3× at 1M (this run is smaller)',
      r.scale.largeUnits >= 1_000_000 ? mark(r.scale.ratioP50 <= 1.3) : '–',
    ]);
  }
  if (r.startup) {
    if ('error' in r.startup) rows.push(['`npm start` to ready', `failed: ${r.startup.error}`, '', 'warm ≤ 10 s', '–']);
    else
      rows.push([
        `\`npm start\` to ready (${r.startup.method})`,
        `cold ${r.startup.cold.wallSeconds.toFixed(1)} s, warm ${r.startup.warm.wallSeconds.toFixed(1)} s`,
        '',
        'warm ≤ 10 s',
        mark(r.startup.warm.wallSeconds <= 10),
      ]);
  }
  const mem = r.memory;
  if (mem.gateway) {
    rows.push([
      'Peak RSS under load',
      Object.entries(mem)
        .map(([name, m]) => `${name} ${Math.round(m.peakRssUnderLoadMB)} MB`)
        .join(', '),
      '',
      'gateway ≤ 300 MB',
      mark(mem.gateway.peakRssUnderLoadMB <= 300),
    ]);
  }
  rows.push([
    `Bulk load (COPY, ${n(r.data.units)} units)`,
    `${n(r.data.load.eventsPerSecond)} events/s, ${n(r.data.load.rowsPerSecond)} rows/s into node databases and the floor at once (${r.data.load.seconds.toFixed(0)} s)`,
    '',
    '',
    '',
  ]);
  const head = ['Measurement', 'Result', 'Ratio', 'Target', 'Status'];
  const table = [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  return r.auth ? `${table}\n\n${authNote(r.auth)}` : table;
}

/** The table's footnote: both gateways do the same auth work, or the note says where they differ. */
function authNote(a: NonNullable<Results['auth']>): string {
  const refused = Object.entries(a.refused ?? {})
    .map(([name, r]) => `${name} HTTP ${r.noToken} without a token and ${r.forgedToken} with a forged one`)
    .join(', ');
  return (
    `Every trace runs as an ${a.identity}. Our gateway ${a.gateway}. Hive Gateway ${a.hive}. ` +
    `The subgraphs: ${a.subgraphs}. The floor does no authentication.` +
    (refused ? ` Checked in this run: ${refused}.` : '')
  );
}

export function renderMarkdown(r: Results): string {
  const lines: string[] = [];
  lines.push(`# Benchmark run ${r.date} (${n(r.options.units)} units)`);
  lines.push('');
  lines.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB; ${r.machine.os}; Node ${r.machine.node}; ${r.machine.postgres}. ` +
      `Load average at start ${r.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${r.machine.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' ')} ` +
      `(other work on the machine shares its cores). Commit ${r.commit}.`,
  );
  lines.push('');
  lines.push(`Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  lines.push('');
  lines.push(resultsTable(r));
  lines.push('');
  lines.push('## Data');
  lines.push('');
  lines.push(
    `${n(r.data.units)} units in ${r.data.lots} finished lots (largest ${n(r.data.largestLot)}), ${r.data.distributors} distributors, ${n(r.data.dispensers)} dispensers; ` +
      `${n(r.data.events)} events and ${n(r.data.rows)} rows in the node databases (the floor holds the same again).`,
  );
  lines.push('');
  lines.push('| node | events | event_epc rows | containment rows | COPY s | index rebuild s |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const s of r.data.load.perNode) lines.push(`| ${s.node} | ${n(s.events)} | ${n(s.epcRows)} | ${n(s.containmentRows)} | ${s.copySeconds.toFixed(1)} | ${s.indexSeconds.toFixed(1)} |`);
  lines.push('');
  lines.push(`Database sizes: ${Object.entries(r.data.databaseBytes).map(([k, v]) => `${k} ${Math.round(v / 1e6)} MB`).join(', ')}.`);
  if (r.bulkCheck) {
    lines.push('');
    lines.push(
      `Bulk path check: a ${n(r.bulkCheck.units)}-unit network (${n(r.bulkCheck.events)} events) loaded by COPY and by ingestDocument gives ` +
        (r.bulkCheck.identical ? 'identical rows in every table of every node.' : '**different rows** (see the JSON).'),
    );
  }
  lines.push('');
  lines.push('## Answers');
  lines.push('');
  lines.push(
    `${r.answers.compared} sampled traces were compared field by field: our gateway equals the floor in ${r.answers.gatewayEqualsFloor}, ` +
      `Hive Gateway equals the floor in ${r.answers.hiveEqualsFloor}.` +
      (r.answers.firstDifference ? ` First difference: ${r.answers.firstDifference}` : ''),
  );
  if (r.answers.peer) {
    const p = r.answers.peer;
    lines.push(
      '',
      `Peer comparison on the supergraph committed at ${p.rev} (--peer-supergraph): Hive Gateway equals the floor in ${p.hiveEqualsFloor}/${p.compared}, ` +
        `our gateway (gateway/src/main.ts with SUPERGRAPH_FILE) in ${p.oursEqualsFloor}/${p.compared}; ` +
        (p.hiveEqualsFloor === p.compared && p.oursEqualsFloor === p.compared ? 'the Hive figures above come from there.' : 'so Hive was not measured.'),
    );
  }
  if (r.fetches) {
    lines.push('');
    lines.push('## Where a trace spends its time (gateway fetches, recorded by a pass-through proxy)');
    lines.push('');
    lines.push(`Mean over ${r.fetches.traces} traces; client-side trace time ${ms(r.fetches.clientMs)} (the proxy adds a little to each fetch).`);
    lines.push('');
    lines.push('| round | subgraphs | longest fetch | request bytes | response bytes |');
    lines.push('| --- | --- | --- | --- | --- |');
    r.fetches.rounds.forEach((round, i) =>
      lines.push(`| ${i + 1} | ${round.subgraphs.join(' + ')} | ${ms(round.ms)} | ${n(round.requestBytes)} | ${n(round.responseBytes)} |`),
    );
    lines.push('');
    lines.push(`The manufacturer's \`custody\` field @requires both other nodes' custody: each trace sends it ${n(r.fetches.manufacturerRepresentationBytes)} bytes of entity representation.`);
    lines.push('');
    lines.push(
      `SQL statements per trace (from pg_stat_database): ${Object.entries(r.fetches.statementsPerTrace).map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
        `${Object.values(r.fetches.statementsPerTrace).reduce((s, v) => s + v, 0).toFixed(1)} in all.`,
    );
  }
  if (r.recall) {
    lines.push('');
    lines.push('## Recall (each node\'s lot query, from its unit position table)');
    lines.push('');
    for (const run of r.recall.runs) {
      lines.push(
        `- ${run.mode}: ${run.seconds.toFixed(2)} s for ${n(run.units)} units of ${run.lot}` +
          (run.deployedSeconds !== undefined ? ` (one machine per node: ${run.deployedSeconds.toFixed(2)} s)` : '') +
          `: serial list ${run.perNodeSeconds.serials?.toFixed(2)} s, ` +
          ['manufacturer', 'distributor', 'dispenser'].map((k) => `${k} ${run.perNodeSeconds[k]?.toFixed(2)} s`).join(', ') +
          `, merge ${run.perNodeSeconds.merge?.toFixed(2)} s`,
      );
    }
    const first = r.recall.runs[0];
    if (first) lines.push(`- Where they are: ${Object.entries(first.where).map(([k, v]) => `${k} ${n(v)}`).join(', ')}.`);
  }
  if (r.capture) {
    lines.push('');
    lines.push('## Capture (ingestDocument, the queue the HTTP capture endpoint goes through)');
    lines.push('');
    for (const c of [r.capture.pglite, r.capture.postgres]) {
      if (!c) continue;
      for (const run of [c, ...(c.concurrent ?? [])]) {
        lines.push(
          `- ${c.driver}, ${run.documentsInFlight} document${run.documentsInFlight === 1 ? '' : 's'} in flight: ${n(run.eventsPerSecond)} events/s overall; ` +
            Object.entries(run.perNode).map(([node, p]) => `${node} ${n(p.eventsPerSecond)} events/s (${p.documents} docs)`).join(', ') +
            (run === c ? `; ${n(c.identifiers)} identifiers stored.` : '.'),
        );
      }
      if (c.floor) {
        lines.push(
          `- ${c.driver}, storage floor (event and identifier rows by COPY, one transaction per document, nothing derived or checked): ${n(c.floor.eventsPerSecond)} events/s overall; ` +
            Object.entries(c.floor.perNode).map(([node, p]) => `${node} ${n(p.eventsPerSecond)} events/s (${p.documents} docs)`).join(', ') +
            '.',
        );
      }
    }
    if (r.capture.error) lines.push(`- error: ${r.capture.error}`);
  }
  return lines.join('\n') + '\n';
}
