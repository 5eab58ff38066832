import { describe, expect, it } from 'vitest';
import { offerRecallPart, pendingRecallParts, takeRecallPart, type OwnRecallPart } from './recall-prefetch.ts';

const part = (digest: string): Promise<OwnRecallPart> => Promise.resolve({ serials: ['A'], index: { units: 1, digest }, latest: { classes: [], ids: [], at: [], cls: [], unit: [-1] } });

describe('the manufacturer part of a recall, started early', () => {
  it('is taken once, for the same lot and list only', async () => {
    offerRecallPart('04061234100016', 'L1', 'd1', part('d1'), 1_000);
    expect(takeRecallPart('04061234100016', 'L1', 'other-list', 1_000)).toBeUndefined();
    expect(takeRecallPart('04061234100016', 'L2', 'd1', 1_000)).toBeUndefined();
    expect((await takeRecallPart('04061234100016', 'L1', 'd1', 1_000))?.index.digest).toBe('d1');
    expect(takeRecallPart('04061234100016', 'L1', 'd1', 1_000)).toBeUndefined();
  });

  it('is not used after a minute, and old entries make room for new ones', () => {
    offerRecallPart('04061234100016', 'OLD', 'd', part('d'), 0);
    expect(takeRecallPart('04061234100016', 'OLD', 'd', 60_001)).toBeUndefined();
    for (let i = 0; i < 40; i += 1) offerRecallPart('04061234100016', `L${i}`, 'd', part('d'), 100_000 + i);
    expect(pendingRecallParts()).toBe(16);
    expect(takeRecallPart('04061234100016', 'L0', 'd', 100_040)).toBeUndefined();
    expect(takeRecallPart('04061234100016', 'L39', 'd', 100_040)).toBeDefined();
  });

  it('keeps a failed part from crashing the node (the merge computes its part again)', async () => {
    const failing = Promise.reject(new Error('database gone'));
    offerRecallPart('04061234100016', 'F', 'd', failing, 200_000);
    await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection would fail the test run
    await expect(takeRecallPart('04061234100016', 'F', 'd', 200_000)).rejects.toThrow('database gone');
  });
});
