/**
 * Recall: "where is every unit of this lot now", as per-node lot-level SQL run on each node's own
 * database the way federation does it: the manufacturer lists the lot's serials (from its commissioning
 * events), every node finds the latest event it holds for each of them, and the newest across nodes
 * says where the unit is. By default each node reads its position table (capture keeps it current,
 * docs/DECISIONS.md §11); `history` derives the same from the whole history (directly, or through the
 * case or pallet that held the unit then), as nodes did before the table. The graph's own recall
 * (`Lot.whereabouts`) is measured end to end by bench/recall-graph.ts.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Db } from '@tracefed/kit/db/connection';
import { ensureUnitPositions } from '@tracefed/kit/epcis/positions-store';

export const UNITS_SQL = `SELECT DISTINCT x.epc_key FROM event_epc x
  JOIN epcis_event e ON e.id = x.event_pk AND e.biz_step = 'commissioning' AND e.error_declaration IS NULL
  WHERE x.gtin = $1 AND x.lot = $2 AND x.serial IS NOT NULL`;

/**
 * Per node: the latest event for each unit, either naming the unit itself or naming a container while
 * the unit was inside. Units of a lot share their cases and pallets, so each distinct stay (container,
 * from, to) is looked up once (its latest event within the stay), not once per unit.
 */
export const LATEST_SQL = `WITH RECURSIVE units AS (SELECT unit_key, ord FROM unnest($1::text[]) WITH ORDINALITY AS u(unit_key, ord)),
  stays(ord, container_key, valid_from, valid_to, depth) AS (
    SELECT u.ord, c.parent_key, c.valid_from, c.valid_to, 1 FROM units u JOIN containment c ON c.child_key = u.unit_key
    UNION ALL
    SELECT st.ord, c.parent_key, GREATEST(st.valid_from, c.valid_from),
           CASE WHEN st.valid_to IS NULL THEN c.valid_to WHEN c.valid_to IS NULL THEN st.valid_to
                ELSE LEAST(st.valid_to, c.valid_to) END,
           st.depth + 1
    FROM stays st JOIN containment c ON c.child_key = st.container_key
      AND c.valid_from < COALESCE(st.valid_to, 'infinity'::timestamptz)
      AND COALESCE(c.valid_to, 'infinity'::timestamptz) > st.valid_from
    WHERE st.depth < 8
  ),
  intervals AS (SELECT DISTINCT container_key, valid_from, valid_to FROM stays),
  interval_latest AS MATERIALIZED (
    SELECT i.container_key, i.valid_from, i.valid_to, l.* FROM intervals i
    CROSS JOIN LATERAL (
      SELECT e.event_time, e.id, e.owner_gln, e.biz_step, e.disposition
      FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk
      WHERE x.epc_key = i.container_key AND e.event_time >= i.valid_from
        AND (i.valid_to IS NULL OR e.event_time < i.valid_to) AND e.error_declaration IS NULL
      ORDER BY e.event_time DESC, e.id DESC LIMIT 1
    ) l
  ),
  candidates AS (
    SELECT u.ord, e.event_time, e.id, e.owner_gln, e.biz_step, e.disposition
    FROM units u JOIN event_epc x ON x.epc_key = u.unit_key JOIN epcis_event e ON e.id = x.event_pk AND e.error_declaration IS NULL
    UNION ALL
    SELECT st.ord, il.event_time, il.id, il.owner_gln, il.biz_step, il.disposition
    FROM stays st JOIN interval_latest il ON il.container_key = st.container_key AND il.valid_from = st.valid_from
      AND il.valid_to IS NOT DISTINCT FROM st.valid_to
  )
  SELECT DISTINCT ON (ord) ord, event_time, owner_gln, biz_step, disposition
  FROM candidates ORDER BY ord, event_time DESC, id DESC`;

/**
 * Per node, from the position table capture keeps current (docs/DECISIONS.md §11): one index probe per
 * unit, the same rows as LATEST_SQL (test/positions.equivalence.test.ts checks the kit's equivalent).
 */
export const POSITIONS_SQL = `WITH units AS (SELECT unit_key, ord FROM unnest($1::text[]) WITH ORDINALITY AS u(unit_key, ord))
  SELECT u.ord, e.event_time, e.owner_gln, e.biz_step, e.disposition
  FROM units u JOIN unit_position p ON p.unit_key = u.unit_key JOIN epcis_event e ON e.id = p.event_pk`;

/** Fills a node's position table from history if it was bulk-loaded around capture (not timed). */
async function fillPositions(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await ensureUnitPositions(drizzle({ client: pool }) as unknown as Db);
  } finally {
    await pool.end();
  }
}

interface Latest {
  /** Position of the unit in the list sent (1-based), so the node sorts integers, not keys. */
  ord: string;
  event_time: Date;
  owner_gln: string;
  biz_step: string | null;
  disposition: string | null;
}

export interface RecallResult {
  gtin: string;
  lot: string;
  units: number;
  /** Wall time of the whole recall: serial list, then every node (in parallel, or one after another), then the merge. */
  seconds: number;
  /** How the nodes ran: at once (three databases sharing this machine's cores), or one at a time. */
  mode: 'parallel' | 'one node at a time';
  /** What each node read: the position table (the nodes' recall path), or the whole history. */
  source?: 'position table' | 'history';
  /**
   * With one machine per node, as deployed: serial list + the slowest node measured alone + merge.
   * Only for `one node at a time` runs.
   */
  deployedSeconds?: number;
  perNodeSeconds: Record<string, number>;
  /** Units by where they are now. */
  where: Record<string, number>;
}

const NODE_ORDER = ['manufacturer', 'distributor', 'dispenser'];

/** Runs the recall once against the three node databases. */
export async function recallLot(
  urls: Record<string, string>,
  gtin: string,
  lot: string,
  mode: RecallResult['mode'] = 'parallel',
  source: NonNullable<RecallResult['source']> = 'position table',
): Promise<RecallResult> {
  if (source === 'position table') for (const node of NODE_ORDER) await fillPositions(urls[node] as string);
  const clients: Record<string, pg.Client> = {};
  for (const node of NODE_ORDER) {
    const client = new pg.Client({ connectionString: urls[node] });
    client.on('error', () => {});
    await client.connect();
    // A lot-wide query sorts a few hundred thousand rows: let it do so in memory.
    await client.query("SET work_mem = '64MB'");
    // PostgreSQL's JIT compiles this query for seconds (its cost estimate is high) to save far less.
    await client.query('SET jit = off');
    clients[node] = client;
  }
  try {
    const started = performance.now();
    const perNodeSeconds: Record<string, number> = {};
    const manufacturer = clients.manufacturer as pg.Client;
    const t0 = performance.now();
    const keys = (await manufacturer.query<{ epc_key: string }>(UNITS_SQL, [gtin, lot])).rows.map((r) => r.epc_key);
    perNodeSeconds.serials = (performance.now() - t0) / 1000;
    const latestOn = async (node: string) => {
      const t = performance.now();
      const rows = (await (clients[node] as pg.Client).query<Latest>(source === 'history' ? LATEST_SQL : POSITIONS_SQL, [keys])).rows;
      perNodeSeconds[node] = (performance.now() - t) / 1000;
      return rows;
    };
    const results: Latest[][] = [];
    if (mode === 'parallel') results.push(...(await Promise.all(NODE_ORDER.map(latestOn))));
    else for (const node of NODE_ORDER) results.push(await latestOn(node));
    const mergeStarted = performance.now();
    // Newest event per unit across nodes; at the same instant the node further down the chain has the newer word.
    const bestTime = new Float64Array(keys.length).fill(-Infinity);
    const bestNode = new Int8Array(keys.length).fill(-1);
    const bestRow: Array<Latest | undefined> = new Array(keys.length);
    results.forEach((rows, node) => {
      for (const row of rows) {
        const i = Number(row.ord) - 1;
        const time = row.event_time.getTime();
        if (time > (bestTime[i] as number) || (time === bestTime[i] && node > (bestNode[i] as number))) {
          bestTime[i] = time;
          bestNode[i] = node;
          bestRow[i] = row;
        }
      }
    });
    const where: Record<string, number> = {};
    const FINAL = new Set(['dispensed', 'destroyed', 'stolen', 'expired', 'recalled', 'returned']);
    for (let i = 0; i < keys.length; i += 1) {
      const latest = bestRow[i];
      const node = NODE_ORDER[bestNode[i] as number];
      const place = !latest
        ? 'unknown'
        : latest.biz_step === 'shipping'
          ? `in transit from ${node}`
          : latest.disposition && FINAL.has(latest.disposition)
            ? latest.disposition
            : `at ${node}`;
      where[place] = (where[place] ?? 0) + 1;
    }
    perNodeSeconds.merge = (performance.now() - mergeStarted) / 1000;
    const slowest = Math.max(...NODE_ORDER.map((node) => perNodeSeconds[node] ?? 0));
    return {
      gtin,
      lot,
      units: keys.length,
      seconds: (performance.now() - started) / 1000,
      mode,
      source,
      ...(mode === 'parallel' ? {} : { deployedSeconds: (perNodeSeconds.serials ?? 0) + slowest + perNodeSeconds.merge }),
      perNodeSeconds,
      where,
    };
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.end()));
  }
}
