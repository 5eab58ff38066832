import DataLoader from 'dataloader';
import { createCoreLoaders, groupInOrder } from '@tracefed/kit/graphql/loaders';
import { createLatestByLotLoader } from '@tracefed/kit/graphql/whereabouts';
import type { StoredEvent } from '@tracefed/kit/epcis/repository';
import type { DownstreamLot, Repository } from './repository.ts';

type EventWithKey = StoredEvent & { epcKey: string };

/** Per-request DataLoaders for the manufacturer node, named <thing>By<Key>. */
export function createLoaders(repo: Repository) {
  return {
    ...createCoreLoaders(repo),
    /** Commissioning events by unit key (normally one; two is an anomaly kept as evidence). */
    commissioningByUnitKey: new DataLoader<string, EventWithKey[]>(async (keys) =>
      groupInOrder(
        keys,
        (await repo.eventsNaming(keys, ['epc', 'output'])).filter((e) => e.bizStep === 'commissioning'),
        (e) => e.epcKey,
      ),
    ),
    /** The TransformationEvent(s) that output each lot class (lgtin key). */
    transformationsByLotKey: new DataLoader<string, EventWithKey[]>(async (keys) =>
      groupInOrder(
        keys,
        (await repo.eventsNaming(keys, ['outputQuantity'])).filter((e) => e.eventType === 'TransformationEvent'),
        (e) => e.epcKey,
      ),
    ),
    /** Identifiers named by each event, by event primary key. */
    epcsByEventPk: new DataLoader<number, Awaited<ReturnType<Repository['epcsOfEvents']>>>(async (pks) =>
      groupInOrder(pks, await repo.epcsOfEvents(pks), (r) => r.eventPk),
    ),
    /** Serial numbers commissioned into each lot, keyed "gtin|lot". */
    serialsByLot: new DataLoader<string, string[]>(async (keys) => {
      const lots = keys.map((k) => {
        const [gtin, lot] = k.split('|') as [string, string];
        return { gtin, lot };
      });
      const rows = await repo.unitsOfLots(lots);
      return groupInOrder(keys, rows, (r) => `${r.gtin}|${r.lot}`).map((group) => group.map((r) => r.serial));
    }),
    /** Every master data element of a vocabulary type (e.g. the product catalogue). */
    vocabularyByType: new DataLoader<string, Awaited<ReturnType<Repository['vocabulary']>>>(async (types) =>
      Promise.all(types.map((t) => repo.vocabulary(t))),
    ),
    /** Events naming each lot class (lgtin key) in a quantity list: component receipts, recalls. */
    classEventsByLotKey: new DataLoader<string, EventWithKey[]>(async (keys) =>
      groupInOrder(keys, await repo.eventsNaming(keys, ['epcQuantity']), (e) => e.epcKey),
    ),
    /** Reverse genealogy: the lots made from each component lot (lgtin key), at any depth. */
    lotsConsumingByComponentKey: new DataLoader<string, DownstreamLot[]>(async (keys) =>
      groupInOrder(keys, await repo.lotsConsuming(keys), (r) => r.componentKey),
    ),
    /** Serials commissioned into each lot, in bytewise order, keyed "gtin|lot" (for lot-wide work). */
    commissionedSerialsByLot: new DataLoader<string, string[]>(async (keys) => {
      const lots = keys.map((k) => {
        const [gtin, lot] = k.split('|') as [string, string];
        return { gtin, lot };
      });
      const rows = await repo.commissionedSerials(lots);
      return groupInOrder(keys, rows, (r) => `${r.gtin}|${r.lot}`).map((group) => group[0]?.serials ?? []);
    }),
    /** Commissioning event IDs of each lot's units, keyed "gtin|lot". */
    commissioningEventIdsByLot: new DataLoader<string, string[]>(async (keys) => {
      const lots = keys.map((k) => {
        const [gtin, lot] = k.split('|') as [string, string];
        return { gtin, lot };
      });
      const rows = await repo.commissioningEventsOfLots(lots);
      return groupInOrder(keys, rows, (r) => `${r.gtin}|${r.lot}`).map((group) => group.map((r) => r.eventId));
    }),
    /** The latest event this node recorded for every unit of each lot. */
    latestByLot: createLatestByLotLoader(repo),
    /** Finished lots of each product GTIN. */
    lotsByGtin: new DataLoader<string, string[]>(async (gtins) =>
      groupInOrder(gtins, await repo.lotsOfProducts(gtins), (r) => r.gtin).map((group) => group.map((r) => r.lot)),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
