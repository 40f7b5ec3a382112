import { segmentKey } from '@threadline/persistence';

/** A stored object whose key is a segment key of the archiver's topic. */
export interface SegmentObject {
  key: string;
  partition: number;
  firstOffset: number;
}

const SEGMENT_PATH = /^(\d+)\/(\d{20})-(\d{20})\.ndjson\.gz$/;

/** The key prefix of every segment (and temporary file) of the topic. */
export function segmentPrefix(topic: string): string {
  return `segments/${topic}/`;
}

/**
 * The partition and first offset of a key `segmentKey(topic, ...)` gives; null for
 * any other key (another topic's, or anything the archiver never writes).
 */
export function parseSegmentKey(topic: string, key: string): SegmentObject | null {
  const prefix = segmentPrefix(topic);
  const match = key.startsWith(prefix) ? SEGMENT_PATH.exec(key.slice(prefix.length)) : null;
  if (match === null) {
    return null;
  }
  const [partition, firstOffset, lastOffset] = match.slice(1).map(Number);
  return segmentKey(topic, partition, firstOffset, lastOffset) === key ? { key, partition, firstOffset } : null;
}
