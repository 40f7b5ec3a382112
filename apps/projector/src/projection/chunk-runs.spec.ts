import { chunkRuns } from './chunk-runs';

const rows = (...entries: Array<[string, number]>) =>
  entries.map(([conversationId, seq]) => ({ tenantId: 'default', conversationId, seq }));

describe('chunkRuns', () => {
  it('finds one run per conversation from its lowest seq, whatever the order of the rows', () => {
    expect(chunkRuns(rows(['a', 3], ['b', 7], ['a', 1], ['a', 2], ['b', 8]))).toEqual({
      tenantIds: ['default', 'default'],
      ids: ['a', 'b'],
      from: [1, 7],
      to: [3, 8],
    });
  });

  it('ends the run at the first gap', () => {
    expect(chunkRuns(rows(['a', 4], ['a', 5], ['a', 7], ['a', 8]))).toEqual({
      tenantIds: ['default'],
      ids: ['a'],
      from: [4],
      to: [5],
    });
  });

  it("keeps two tenants' same conversation id as two runs", () => {
    const acme = [
      { tenantId: 'acme', conversationId: 'a', seq: 1 },
      { tenantId: 'acme', conversationId: 'a', seq: 2 },
    ];
    expect(chunkRuns([...acme, ...rows(['a', 5])])).toEqual({
      tenantIds: ['acme', 'default'],
      ids: ['a', 'a'],
      from: [1, 5],
      to: [2, 5],
    });
  });

  it('is a single seq when the next one is missing, and empty for an empty chunk', () => {
    expect(chunkRuns(rows(['a', 9], ['a', 11]))).toEqual({ tenantIds: ['default'], ids: ['a'], from: [9], to: [9] });
    expect(chunkRuns([])).toEqual({ tenantIds: [], ids: [], from: [], to: [] });
  });
});
