import { segmentKey } from '@threadline/persistence';
import { parseSegmentKey, segmentPrefix } from './segment-object';

describe('parseSegmentKey', () => {
  it('reads back the partition and first offset of a segment key of the topic, for any tenant', () => {
    for (const tenant of ['default', 'acme']) {
      const key = segmentKey(tenant, 't.v1', 7, 1200, 1299);
      expect(key.startsWith(segmentPrefix())).toBe(true);
      expect(parseSegmentKey('t.v1', key)).toEqual({ key, partition: 7, firstOffset: 1200 });
    }
  });

  it('does not recognise another topic, a temporary file or anything the archiver does not write', () => {
    const key = segmentKey('acme', 't.v1', 7, 1200, 1299);
    expect(parseSegmentKey('t', key)).toBeNull();
    expect(parseSegmentKey('t.v1', `${key}.0a1b2c3d.tmp`)).toBeNull();
    expect(parseSegmentKey('t.v1', 'segments/acme/t.v1/7/notes.txt')).toBeNull();
    expect(
      parseSegmentKey('t.v1', 'segments/acme/t.v1/07/00000000000000001200-00000000000000001299.ndjson.gz'),
    ).toBeNull();
    expect(parseSegmentKey('t.v1', 'segments/t.v1/7/00000000000000001200-00000000000000001299.ndjson.gz')).toBeNull();
  });
});
