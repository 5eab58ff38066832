import { describe, expect, it } from 'vitest';
import {
  buildNodePositions,
  classifyEvent,
  decisionsOf,
  decodeNodePositions,
  encodeNodePositions,
  mergePositions,
  referencedMasterData,
  type LatestEvent,
  type LatestEventGroup,
  type NodePositions,
} from './positions.ts';

const M = '4061234000002';
const NORTHLINE = '4012345000009';
const STANNA = '4045678000002';
/** The lot's unit index in these tests: the units as the manufacturer lists them. */
const LOT = ['A', 'B', 'C', 'D', 'E/1', 'NEVER'];
const INDEX = { units: LOT.length, digest: 'digest-of-the-list' };

function latest(serial: string, by: string, at: string, fields: Partial<LatestEvent> = {}): LatestEventGroup {
  return {
    units: [LOT.indexOf(serial)],
    event: {
      eventId: `urn:uuid:${by}-${serial}-${at}`,
      owner: by,
      eventTime: new Date(`${at}Z`),
      bizStep: null,
      disposition: null,
      bizLocation: `/414/${by}`,
      readPoint: null,
      destinations: [],
      ...fields,
    },
  };
}

const classify = (g: LatestEventGroup) => classifyEvent(g.event);
const shipTo = (gln: string) => [{ type: 'owning_party', id: `urn:epc:id:pgln:${gln}`, key: `/417/${gln}` }];

describe('classifyEvent', () => {
  it('reads custody from the latest event', () => {
    expect(classify(latest('A', M, '2026-03-01T08:00:00', { bizStep: 'commissioning', disposition: 'active' }))).toMatchObject({ state: 'HELD', holder: M });
    expect(classify(latest('A', M, '2026-03-02T08:00:00', { bizStep: 'shipping', destinations: shipTo(NORTHLINE) }))).toMatchObject({
      state: 'IN_TRANSIT',
      holder: M,
      to: NORTHLINE,
    });
    expect(classify(latest('A', STANNA, '2026-03-09T08:00:00', { bizStep: 'dispensing', disposition: 'dispensed' })).state).toBe('DISPENSED');
    expect(classify(latest('A', STANNA, '2026-03-09T08:00:00', { bizStep: 'destroying', disposition: 'destroyed' })).state).toBe('DESTROYED');
    expect(classify(latest('A', NORTHLINE, '2026-03-09T08:00:00', { bizStep: 'receiving', disposition: 'returned' }))).toMatchObject({
      state: 'RETURNED',
      reason: 'returned',
    });
    expect(
      classify(latest('A', STANNA, '2026-03-09T08:00:00', { bizStep: 'decommissioning', disposition: 'https://ns.tracefed.org/epcis/Disp-exported' })),
    ).toMatchObject({ state: 'DECOMMISSIONED', reason: 'exported' });
  });
});

describe('mergePositions', () => {
  const described = (table: NodePositions, parties: NodePositions['parties']): NodePositions => ({ ...table, parties });
  const manufacturer = described(
    buildNodePositions('MANUFACTURER', INDEX, decisionsOf(INDEX.units, [
      latest('A', M, '2026-03-02T08:00:00', { bizStep: 'shipping', destinations: shipTo(NORTHLINE) }),
      latest('B', M, '2026-03-02T08:00:00', { bizStep: 'shipping', destinations: shipTo(NORTHLINE) }),
      latest('C', M, '2026-03-02T08:00:00', { bizStep: 'shipping', destinations: shipTo(NORTHLINE) }),
      latest('D', M, '2026-02-01T08:00:00', { bizStep: 'commissioning' }),
      latest('E/1', M, '2026-03-02T08:00:00', { bizStep: 'shipping', destinations: shipTo(NORTHLINE) }),
    ])),
    { [M]: { name: 'Meridian', role: 'manufacturer', country: 'DE' } },
  );
  const distributor = described(
    buildNodePositions('DISTRIBUTOR', INDEX, decisionsOf(INDEX.units, [
      latest('A', NORTHLINE, '2026-03-03T08:00:00', { bizStep: 'receiving' }),
      latest('B', NORTHLINE, '2026-03-05T08:00:00', { bizStep: 'shipping', destinations: shipTo(STANNA) }),
      latest('C', NORTHLINE, '2026-03-05T08:00:00', { bizStep: 'shipping', destinations: shipTo(STANNA) }),
      // Shipped at the very instant the pharmacy received it: the receipt wins.
      latest('E/1', NORTHLINE, '2026-03-05T08:00:00', { bizStep: 'shipping', destinations: shipTo(STANNA) }),
    ])),
    { [NORTHLINE]: { name: 'Northline', role: 'distributor', country: 'DE' }, [STANNA]: { name: null, role: null, country: null } },
  );
  const dispenser = described(
    buildNodePositions('DISPENSER', INDEX, decisionsOf(INDEX.units, [
      latest('B', STANNA, '2026-03-07T08:00:00', { bizStep: 'dispensing', disposition: 'dispensed' }),
      latest('E/1', STANNA, '2026-03-05T08:00:00', { bizStep: 'receiving' }),
    ])),
    { [STANNA]: { name: 'St. Anna', role: 'dispenser', country: 'DE' } },
  );

  it('puts each unit where its latest event across the nodes says, grouped with the evidence', () => {
    const tables = [manufacturer, distributor, dispenser].map((t) => decodeNodePositions(encodeNodePositions(t), t.node));
    const merged = mergePositions(tables, LOT, INDEX);
    const summary = merged.groups.map((g) => [g.node, g.state, g.holder, g.to, g.serials.join(',')]);
    expect(summary).toEqual([
      ['DISPENSER', 'DISPENSED', STANNA, null, 'B'],
      ['MANUFACTURER', 'HELD', M, null, 'D'],
      ['DISTRIBUTOR', 'HELD', NORTHLINE, null, 'A'],
      ['DISPENSER', 'HELD', STANNA, null, 'E/1'],
      ['DISTRIBUTOR', 'IN_TRANSIT', NORTHLINE, STANNA, 'C'],
    ]);
    expect(merged.unaccounted).toEqual(['NEVER']);
    expect(merged.groups[0]!.eventIDs).toEqual([`urn:uuid:${STANNA}-B-2026-03-07T08:00:00`]);
    // The dispenser's own node names it; the distributor only knew its GLN.
    expect(merged.parties[STANNA]!.name).toBe('St. Anna');
  });

  it('names the partners and locations a table refers to', () => {
    const refs = referencedMasterData(
      buildNodePositions('DISTRIBUTOR', INDEX, decisionsOf(INDEX.units, [latest('C', NORTHLINE, '2026-03-05T08:00:00', { bizStep: 'shipping', destinations: shipTo(STANNA) })])),
    );
    expect(refs.glns.sort()).toEqual([NORTHLINE, STANNA].sort());
    expect(refs.locations).toEqual(['/414/4012345000009']);
  });

  it('refuses a table that is not one', () => {
    expect(() => decodeNodePositions('{"v":2}', 'distributor')).toThrow(/distributor is not a version 2 table/);
    expect(() => decodeNodePositions('nope', 'dispenser')).toThrow(/not JSON/);
    // A version 1 table (serials spelled out) and a table whose unit column does not cover its index.
    expect(() => decodeNodePositions(JSON.stringify({ ...distributor, v: 1 }), 'distributor')).toThrow(/not a version 2 table/);
    expect(() => decodeNodePositions(JSON.stringify({ ...distributor, unit: distributor.unit.slice(1) }), 'distributor')).toThrow(/not a version 2 table/);
  });

  it('refuses a table made for another list of the lot\'s units, naming the node', () => {
    // The lot gained a unit between the serial list going out and the merge: places would shift.
    const other = { ...dispenser, index: { units: LOT.length, digest: 'digest-of-another-list' } };
    expect(() => mergePositions([manufacturer, distributor, other], LOT, INDEX)).toThrow(/dispenser node answered for another list of the lot's units.*ask again/);
    expect(() => mergePositions([manufacturer], [...LOT, 'F'], { units: LOT.length + 1, digest: INDEX.digest })).toThrow(
      /manufacturer node answered for another list/,
    );
  });

  it('refuses a deciding event for a unit outside the index, and decisions for another index', () => {
    expect(() => decisionsOf(2, [latest('E/1', STANNA, '2026-03-05T08:00:00')])).toThrow(/unit 4 is outside the lot's unit index of 2/);
    expect(() => buildNodePositions('DISPENSER', { units: 2, digest: 'x' }, decisionsOf(INDEX.units, [latest('A', STANNA, '2026-03-05T08:00:00')]))).toThrow(
      /the deciding events cover 6 units, the lot's unit index 2/,
    );
  });

  it('classifies each class once and keeps every event of it', () => {
    // Two events of one class (same owner, step and place), and a third unit decided by one of them.
    const a = latest('A', STANNA, '2026-03-07T08:00:00', { bizStep: 'dispensing', disposition: 'dispensed' });
    const b = latest('B', STANNA, '2026-03-08T08:00:00', { bizStep: 'dispensing', disposition: 'dispensed' });
    const decided = decisionsOf(INDEX.units, [a, b]);
    const merged = { classes: [decided.classes[0]!], ids: decided.ids, at: decided.at, cls: [0, 0], unit: [0, 1, 1, -1, -1, -1] };
    const table = buildNodePositions('DISPENSER', INDEX, merged);
    expect(table.groups).toHaveLength(1);
    expect(table.group).toEqual([0, 0]);
    expect(table.events).toEqual([a.event.eventId, b.event.eventId]);
    expect(table.unit).toEqual([0, 1, 1, -1, -1, -1]);
  });
});
