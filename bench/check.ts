/**
 * Proves the bulk path stores what capture stores: a small network goes once through `loadNode`
 * (COPY) and once, document by document, through the kit's `ingestDocument`, and every table of the
 * two databases is compared row for row (surrogate ids and load timestamps aside).
 */
import { openDatabase } from '@tracefed/kit/db/connection';
import { ingestDocument } from '@tracefed/kit/epcis/ingest';
import { createNodeDatabase, withClient, type DatabaseRegistry } from './databases.ts';
import { captureDocuments, loadNode } from './load.ts';
import { buildNetwork, NODE_NAMES, type NodeName } from './network.ts';

const FINGERPRINTS: Record<string, string> = {
  epcis_event: `SELECT ROW(event_id, owner_gln, event_type, event_time, event_time_zone_offset, action, biz_step, disposition,
                 read_point, biz_location, parent_key, biz_transactions, sources, destinations, ilmd, extensions,
                 error_declaration, document)::text AS r FROM epcis_event`,
  event_epc: `SELECT ROW(e.event_id, x.role, x.epc_key, x.gtin, x.serial, x.lot, x.quantity, x.uom)::text AS r
              FROM event_epc x JOIN epcis_event e ON e.id = x.event_pk`,
  containment: `SELECT ROW(child_key, seq, parent_key, valid_from, valid_to)::text AS r FROM containment`,
  vocabulary_element: `SELECT ROW(vocabulary_type, key, owner_gln, attributes, children)::text AS r FROM vocabulary_element`,
};

async function fingerprint(url: string): Promise<Record<string, { rows: number; md5: string }>> {
  return withClient(url, async (c) => {
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const [table, query] of Object.entries(FINGERPRINTS)) {
      const row = (await c.query<{ n: string; h: string }>(`SELECT count(*) AS n, md5(string_agg(r, E'\\n' ORDER BY r)) AS h FROM (${query}) t`)).rows[0];
      out[table] = { rows: Number(row?.n ?? 0), md5: row?.h ?? '' };
    }
    return out;
  });
}

export interface BulkCheck {
  units: number;
  events: number;
  identical: boolean;
  tables: Record<NodeName, Record<string, { rows: number; identical: boolean }>>;
}

export async function checkBulkLoad(
  registry: DatabaseRegistry,
  prefix: string,
  migrations: Record<NodeName, string>,
  units = 3000,
): Promise<BulkCheck> {
  const options = { units, distributors: 3, dispensers: 4, maxLotSize: 1200 };
  const bulkNetwork = buildNetwork(options);
  const captureNetwork = buildNetwork(options);
  const tables = {} as BulkCheck['tables'];
  let identical = true;
  let events = 0;
  for (const node of NODE_NAMES) {
    const bulkUrl = await createNodeDatabase(registry, `${prefix}_check_bulk_${node}`, migrations[node]);
    const captureUrl = await createNodeDatabase(registry, `${prefix}_check_capture_${node}`, migrations[node]);
    const stats = await loadNode(bulkNetwork.nodes[node], [{ url: bulkUrl, schema: 'public' }]);
    events += stats.events;
    const database = await openDatabase({ url: captureUrl, migrationsFolder: migrations[node], maxConnections: 2 });
    try {
      for (const doc of captureDocuments(captureNetwork.nodes[node])) {
        await ingestDocument(database.db, { owner: doc.owner, document: doc.document });
      }
    } finally {
      await database.close();
    }
    const [bulk, captured] = await Promise.all([fingerprint(bulkUrl), fingerprint(captureUrl)]);
    tables[node] = {};
    for (const table of Object.keys(FINGERPRINTS)) {
      const same = bulk[table]?.md5 === captured[table]?.md5 && bulk[table]?.rows === captured[table]?.rows;
      tables[node][table] = { rows: bulk[table]?.rows ?? 0, identical: same };
      if (!same) {
        identical = false;
        console.error(`[check] ${node}.${table}: bulk ${bulk[table]?.rows} rows, capture ${captured[table]?.rows} rows: they differ`);
      }
    }
    await registry.drop(`${prefix}_check_bulk_${node}`);
    await registry.drop(`${prefix}_check_capture_${node}`);
  }
  return { units, events, identical, tables };
}
