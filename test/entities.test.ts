import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from './harness.ts';

/**
 * Each subgraph answers the gateway's entity calls on its own: `_entities` with many (and duplicate)
 * representations resolves them in one batch, and `_service` publishes the SDL that composition uses.
 * A node answers GraphQL only with the gateway-signed identity; net.query sends it for a node's URL
 * (the investigator's unless `as` says otherwise). The per-node custody fields are inaccessible through
 * the gateway but are what the gateway itself asks the nodes for, so they are tested here, on the nodes.
 */
let net: Network;
beforeAll(async () => {
  net = await startNetwork();
});
afterAll(async () => {
  await net?.stop();
});

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...on SerializedUnit { gtin serial } ...F } }`;

describe('subgraph entity resolution', () => {
  it('the distributor resolves 200 unit references (with duplicates) in one batch', async () => {
    const units = net.demo.units.slice(0, 200);
    const reps = [...units, ...units.slice(0, 20)].map((u) => ({ __typename: 'SerializedUnit', gtin: u.gtin, serial: u.serial }));
    net.databases.distributor.statements.reset();
    const { data, errors } = await net.query(
      ENTITIES.replace('...F', '...on SerializedUnit { distributorCustody { events { eventID bizStep } } sales { invoice } }'),
      { representations: reps },
      { url: net.subgraphs.distributor.url },
    );
    expect(errors).toBeUndefined();
    expect(data._entities).toHaveLength(reps.length);
    expect(data._entities[0]).toMatchObject({ __typename: 'SerializedUnit', gtin: units[0]!.gtin, serial: units[0]!.serial });
    expect(data._entities[0].distributorCustody.events.some((e: any) => e.bizStep === 'receiving')).toBe(true);
    expect(data._entities[200]).toEqual(data._entities[0]);
    // One batch per kind of look-up (events, containers, sales, master data), not one per unit: 220
    // references would cost hundreds of statements otherwise. How the look-ups fall into waves depends on
    // timing (the master data cache answers some waves from memory), so the bound is a small constant.
    expect(net.databases.distributor.statements.count).toBeLessThanOrEqual(6);
  });

  it('the dispenser returns an empty custody, not an error, for a unit it never saw', async () => {
    const { data, errors } = await net.query(
      ENTITIES.replace('...F', '...on SerializedUnit { dispenserCustody { node events { eventID } containers { sscc } } dispense { eventID } }'),
      { representations: [{ __typename: 'SerializedUnit', gtin: net.demo.units[0]!.gtin, serial: 'NOT-A-REAL-ONE' }] },
      // Dispense details are for the dispensing partner and regulators.
      { url: net.subgraphs.dispenser.url, as: 'inspectorate' },
    );
    expect(errors).toBeUndefined();
    expect(data._entities[0]).toMatchObject({ dispenserCustody: { node: 'DISPENSER', events: [], containers: [] }, dispense: null });
  });

  it('the manufacturer resolves lot references and publishes its SDL with the federation keys', async () => {
    const lots = net.demo.lots.map((l) => ({ __typename: 'Lot', gtin: net.demo.products[l.product].gtin, lotNumber: l.lot }));
    const { data, errors } = await net.query(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ...on Lot { lotNumber unitCount components { lotNumber } } } }`,
      { representations: lots },
      { url: net.subgraphs.manufacturer.url },
    );
    expect(errors).toBeUndefined();
    expect(data._entities.map((l: any) => [l.lotNumber, l.unitCount])).toEqual(net.demo.lots.map((l) => [l.lot, 400]));
    const sdl = await net.query(`{ _service { sdl } }`, undefined, { url: net.subgraphs.manufacturer.url });
    expect(sdl.data._service.sdl).toContain('@key(fields: "gtin serial")');
  });
});
