import { SegmentCache } from './segment-cache';

describe('SegmentCache', () => {
  it('evicts the least recently used segment once the byte budget is exceeded', () => {
    const cache = new SegmentCache(100);
    cache.set('a', ['a'], 40);
    cache.set('b', ['b'], 40);
    expect(cache.get('a')).toEqual(['a']);
    cache.set('c', ['c'], 40);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(['a']);
    expect(cache.get('c')).toEqual(['c']);
  });

  it('does not keep a segment larger than the whole budget', () => {
    const cache = new SegmentCache(100);
    cache.set('a', ['a'], 40);
    cache.set('huge', ['huge'], 101);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('a')).toEqual(['a']);
  });
});
