import { ConversationEvent, isSeqEvent } from '@threadline/contracts';
import { encodeLine, segmentKey } from '@threadline/persistence';

/** One consumed record of a partition; `event` is null when it could not be decoded (it gets no line). */
export interface ConsumedRecord {
  offset: number;
  event: ConversationEvent | null;
}

/** Where one conversation's seq events sit in a segment. */
export interface IndexEntry {
  conversationId: string;
  firstSeq: number;
  lastSeq: number;
  firstLine: number;
  lastLine: number;
  firstOffset: number;
  lastOffset: number;
}

export interface SegmentPlan {
  topic: string;
  partition: number;
  key: string;
  firstOffset: number;
  lastOffset: number;
  lines: Buffer[];
  uncompressedBytes: number;
  index: IndexEntry[];
}

/** A partition's open segment: records in offset order, the byte size of their lines, when it opened. */
export class PartitionBuffer {
  private readonly records: { offset: number; event: ConversationEvent | null; line: Buffer | null }[] = [];
  private bytes = 0;
  private opened = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get size(): number {
    return this.records.length;
  }

  get uncompressedBytes(): number {
    return this.bytes;
  }

  /** The offset the next record must have, or null when empty. */
  get nextOffset(): number | null {
    return this.records.length === 0 ? null : this.records[this.records.length - 1].offset + 1;
  }

  add(record: ConsumedRecord, now: number): void {
    if (this.records.length === 0) {
      this.opened = now;
    }
    const line =
      record.event === null
        ? null
        : encodeLine({ partition: this.partition, offset: record.offset, event: record.event });
    this.records.push({ ...record, line });
    this.bytes += line?.length ?? 0;
  }

  isFull(maxBytes: number): boolean {
    return this.bytes >= maxBytes;
  }

  isOld(now: number, maxAgeMs: number): boolean {
    return this.records.length > 0 && now - this.opened >= maxAgeMs;
  }

  /** Plans the segment of everything buffered; the buffer is left as is (clear it once written). */
  plan(): SegmentPlan {
    return planSegment(
      this.topic,
      this.partition,
      this.records.map(({ offset, event }) => ({ offset, event })),
    );
  }

  clear(): void {
    this.records.length = 0;
    this.bytes = 0;
    this.opened = 0;
  }
}

/**
 * The segment of `records` (non-empty, in offset order): its deterministic key,
 * its lines (only decodable events) and its index entries. The same records
 * always give the same key and bytes.
 */
export function planSegment(topic: string, partition: number, records: readonly ConsumedRecord[]): SegmentPlan {
  const firstOffset = records[0].offset;
  const lastOffset = records[records.length - 1].offset;
  const lines: Buffer[] = [];
  const index = new Map<string, IndexEntry>();
  let uncompressedBytes = 0;
  for (const { offset, event } of records) {
    if (event === null) {
      continue;
    }
    const lineNumber = lines.length;
    const line = encodeLine({ partition, offset, event });
    lines.push(line);
    uncompressedBytes += line.length;
    if (!isSeqEvent(event)) {
      continue;
    }
    const entry = index.get(event.conversation_id);
    if (!entry) {
      index.set(event.conversation_id, {
        conversationId: event.conversation_id,
        firstSeq: event.seq,
        lastSeq: event.seq,
        firstLine: lineNumber,
        lastLine: lineNumber,
        firstOffset: offset,
        lastOffset: offset,
      });
      continue;
    }
    entry.firstSeq = Math.min(entry.firstSeq, event.seq);
    entry.lastSeq = Math.max(entry.lastSeq, event.seq);
    entry.lastLine = lineNumber;
    entry.lastOffset = offset;
  }
  return {
    topic,
    partition,
    key: segmentKey(topic, partition, firstOffset, lastOffset),
    firstOffset,
    lastOffset,
    lines,
    uncompressedBytes,
    index: [...index.values()],
  };
}
