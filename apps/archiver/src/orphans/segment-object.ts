import { TENANT_ID_PATTERN } from '@threadline/contracts';
import { segmentKey } from '@threadline/persistence';

/** A stored object whose key is a segment key of the archiver's topic. */
export interface SegmentObject {
  key: string;
  partition: number;
  firstOffset: number;
}

const SEGMENT_PATH = /^(\d+)\/(\d{20})-(\d{20})\.ndjson\.gz$/;

/** The key prefix of every segment (and temporary file) of every tenant; keys of other topics are told apart by parseSegmentKey. */
export function segmentPrefix(): string {
  return 'segments/';
}

/** Whether a key lies under a segment path of the topic (`segments/<tenant>/<topic>/`), a temporary file's included. */
export function isTopicKey(topic: string, key: string): boolean {
  const prefix = segmentPrefix();
  const slash = key.indexOf('/', prefix.length);
  return (
    key.startsWith(prefix) &&
    slash > 0 &&
    TENANT_ID_PATTERN.test(key.slice(prefix.length, slash)) &&
    key.startsWith(`${topic}/`, slash + 1)
  );
}

/**
 * The partition and first offset of a key `segmentKey(tenant, topic, ...)` gives,
 * for any tenant; null for any other key (another topic's, a segment from before
 * tenants, or anything the archiver never writes).
 */
export function parseSegmentKey(topic: string, key: string): SegmentObject | null {
  const prefix = segmentPrefix();
  const slash = key.indexOf('/', prefix.length);
  if (!key.startsWith(prefix) || slash < 0) {
    return null;
  }
  const tenantId = key.slice(prefix.length, slash);
  const rest = key.slice(slash + 1);
  const match =
    TENANT_ID_PATTERN.test(tenantId) && rest.startsWith(`${topic}/`)
      ? SEGMENT_PATH.exec(rest.slice(topic.length + 1))
      : null;
  if (match === null) {
    return null;
  }
  const [partition, firstOffset, lastOffset] = match.slice(1).map(Number);
  return segmentKey(tenantId, topic, partition, firstOffset, lastOffset) === key
    ? { key, partition, firstOffset }
    : null;
}
