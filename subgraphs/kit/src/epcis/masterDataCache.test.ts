import { describe, expect, it } from 'vitest';
import { MasterDataCache, masterDataCacheOf, masterDataChanged } from './masterDataCache.ts';
import type { VocabularyRow } from './repository.ts';

const row = (key: string, name: string): VocabularyRow => ({
  vocabularyType: 'urn:epcglobal:epcis:vtype:Party',
  key,
  owner: '4012345000009',
  attributes: { 'urn:epcglobal:cbv:mda#name': name },
  children: [],
});

/** A stand-in for the database table: what `load` finds, and which keys each call asked for. */
function table(initial: Record<string, string>) {
  const rows = new Map(Object.entries(initial));
  const calls: string[][] = [];
  return {
    rows,
    calls,
    load: async (keys: string[]) => {
      calls.push([...keys]);
      return keys.filter((k) => rows.has(k)).map((k) => row(k, rows.get(k) as string));
    },
  };
}

const nameOf = (r: VocabularyRow | null) => (r ? r.attributes['urn:epcglobal:cbv:mda#name'] : null);

describe('MasterDataCache', () => {
  it('reads each key once, answers in key order with null for absent keys, and caches absence', async () => {
    const t = table({ a: 'A', b: 'B' });
    const cache = new MasterDataCache();
    expect((await cache.read(['b', 'x', 'a'], t.load)).map(nameOf)).toEqual(['B', null, 'A']);
    expect((await cache.read(['a', 'x', 'b'], t.load)).map(nameOf)).toEqual(['A', null, 'B']);
    expect(t.calls).toEqual([['b', 'x', 'a']]);
  });

  it('after clear(), reads again: an element added since shows, one renamed shows its new name', async () => {
    const t = table({ a: 'A' });
    const cache = new MasterDataCache();
    await cache.read(['a', 'x'], t.load);
    t.rows.set('a', 'A2');
    t.rows.set('x', 'X');
    cache.clear();
    expect((await cache.read(['a', 'x'], t.load)).map(nameOf)).toEqual(['A2', 'X']);
  });

  it('does not keep what a read started before clear() returned (it may predate the commit)', async () => {
    const t = table({ a: 'old' });
    const cache = new MasterDataCache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.read(['a'], async (keys) => {
      const rows = await t.load(keys);
      await gate;
      return rows;
    });
    // The write commits and is announced while the read is under way.
    t.rows.set('a', 'new');
    cache.clear();
    release();
    expect((await slow).map(nameOf)).toEqual(['old']);
    expect((await cache.read(['a'], t.load)).map(nameOf)).toEqual(['new']);
    expect(cache.size).toBe(1);
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const t = table({ a: 'A', b: 'B', c: 'C', d: 'D' });
    const cache = new MasterDataCache(3);
    await cache.read(['a', 'b', 'c'], t.load);
    await cache.read(['a'], t.load); // a is now the most recent; b the least
    await cache.read(['d'], t.load);
    expect(cache.size).toBe(3);
    t.calls.length = 0;
    await cache.read(['a', 'c', 'd'], t.load);
    expect(t.calls).toEqual([]);
    await cache.read(['b'], t.load);
    expect(t.calls).toEqual([['b']]);
    expect(() => new MasterDataCache(0)).toThrow(/maxEntries must be a positive integer, got 0/);
  });

  it('hands out frozen rows, so one request cannot change what another sees', async () => {
    const cache = new MasterDataCache();
    const [a] = await cache.read(['a'], table({ a: 'A' }).load);
    expect(() => {
      (a as VocabularyRow).attributes['urn:epcglobal:cbv:mda#name'] = 'changed';
    }).toThrow(TypeError);
  });

  it('keeps one cache per database and clears only the one that changed', async () => {
    const one = {};
    const two = {};
    const t = table({ a: 'A' });
    await masterDataCacheOf(one).read(['a'], t.load);
    await masterDataCacheOf(two).read(['a'], t.load);
    masterDataChanged(one);
    expect(masterDataCacheOf(one).size).toBe(0);
    expect(masterDataCacheOf(two).size).toBe(1);
    expect(masterDataCacheOf(one)).toBe(masterDataCacheOf(one));
  });
});
