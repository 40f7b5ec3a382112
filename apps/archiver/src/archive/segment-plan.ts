import {
  applyFence,
  ConversationEvent,
  conversationKey,
  DecodedRecord,
  eventConversation,
  isSeqEvent,
} from '@threadline/contracts';
import { encodeLine, segmentKey } from '@threadline/persistence';

/** One consumed record of a partition, after the poison rule. */
export interface ConsumedRecord {
  offset: number;
  record: DecodedRecord;
}

/** An event the fence rule left out of the segment (docs/events.md rule 6). */
export interface FencedRecord {
  offset: number;
  tenantId: string;
  conversationId: string;
  seq: number | null;
}

/** Where one conversation's seq events sit in its tenant's segment. */
export interface IndexEntry {
  tenantId: string;
  conversationId: string;
  firstSeq: number;
  lastSeq: number;
  firstLine: number;
  lastLine: number;
  firstOffset: number;
  lastOffset: number;
}

/** The object of one tenant's events of a range: lines and index entries only of that tenant. */
export interface TenantSegment {
  tenantId: string;
  key: string;
  lines: Buffer[];
  uncompressedBytes: number;
  index: IndexEntry[];
}

/**
 * What archiving one offset range of a partition writes: one segment per tenant
 * with events in the range (none for a range without events), all committed with
 * the partition's position in one transaction.
 */
export interface SegmentPlan {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  /** The partition's index fence at `firstOffset`: the segment is a function of it and the records. */
  startFence: number;
  /** The partition's index fence after `lastOffset`: stored with the next offset. */
  fence: number;
  /** By tenant id, in order. */
  segments: TenantSegment[];
  /** Lines of all segments. */
  lineCount: number;
  uncompressedBytes: number;
  /** Events the fence rule ignored: no line, like a poison record naming no seq. */
  fenced: FencedRecord[];
}

/**
 * A partition's open segment: records in offset order, the byte size of their
 * lines, when it opened, and the partition's index fence where it starts and
 * after its last record.
 */
export class PartitionBuffer {
  private readonly records: ConsumedRecord[] = [];
  private bytes = 0;
  private opened = 0;
  private startFence = 0;
  private fence = 0;

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

  /** The partition's fence after the last record added (where the next segment starts). */
  get indexFence(): number {
    return this.fence;
  }

  add(record: ConsumedRecord, now: number): void {
    if (this.records.length === 0) {
      this.opened = now;
    }
    const { fence, event } = applyFence(this.fence, record.record);
    this.fence = fence;
    this.records.push(record);
    this.bytes += event === null ? 0 : encodeLine({ partition: this.partition, offset: record.offset, event }).length;
  }

  isFull(maxBytes: number): boolean {
    return this.bytes >= maxBytes;
  }

  isOld(now: number, maxAgeMs: number): boolean {
    return this.records.length > 0 && now - this.opened >= maxAgeMs;
  }

  /** Plans the segment of everything buffered; the buffer is left as is (clear it once written). */
  plan(): SegmentPlan {
    return planSegment(this.topic, this.partition, this.records, this.startFence);
  }

  /** The segment was written: the next one starts empty, at the fence this one ended with. */
  clear(): void {
    this.restart(this.fence);
  }

  /** The partition (re)starts at a stored position whose fence is `fence`: everything buffered is void. */
  restart(fence: number): void {
    this.records.length = 0;
    this.bytes = 0;
    this.opened = 0;
    this.startFence = fence;
    this.fence = fence;
  }
}

/**
 * The segments of `records` (non-empty, in offset order) when the partition's
 * index fence at its first offset is `startFence`: the records' events (decodable
 * events and poison stand-ins the fence rule keeps) grouped by tenant, each
 * tenant's with its deterministic key, its lines and its index entries. The same
 * records and start fence always give the same keys and bytes.
 */
export function planSegment(
  topic: string,
  partition: number,
  records: readonly ConsumedRecord[],
  startFence: number,
): SegmentPlan {
  const firstOffset = records[0].offset;
  const lastOffset = records[records.length - 1].offset;
  const segments = new Map<string, TenantSegment>();
  const index = new Map<string, IndexEntry>();
  const fenced: FencedRecord[] = [];
  let fence = startFence;
  for (const { offset, record } of records) {
    const applied = applyFence(fence, record);
    fence = applied.fence;
    const event = applied.event;
    if (applied.fenced) {
      fenced.push(fencedRecord(offset, record));
    }
    if (event === null) {
      continue;
    }
    let segment = segments.get(event.tenant_id);
    if (!segment) {
      const key = segmentKey(event.tenant_id, topic, partition, firstOffset, lastOffset);
      segment = { tenantId: event.tenant_id, key, lines: [], uncompressedBytes: 0, index: [] };
      segments.set(event.tenant_id, segment);
    }
    const lineNumber = segment.lines.length;
    const line = encodeLine({ partition, offset, event });
    segment.lines.push(line);
    segment.uncompressedBytes += line.length;
    if (!isSeqEvent(event)) {
      continue;
    }
    const conversation = conversationKey(eventConversation(event));
    const entry = index.get(conversation);
    if (!entry) {
      const created: IndexEntry = {
        tenantId: event.tenant_id,
        conversationId: event.conversation_id,
        firstSeq: event.seq,
        lastSeq: event.seq,
        firstLine: lineNumber,
        lastLine: lineNumber,
        firstOffset: offset,
        lastOffset: offset,
      };
      index.set(conversation, created);
      segment.index.push(created);
      continue;
    }
    entry.firstSeq = Math.min(entry.firstSeq, event.seq);
    entry.lastSeq = Math.max(entry.lastSeq, event.seq);
    entry.lastLine = lineNumber;
    entry.lastOffset = offset;
  }
  const ordered = [...segments.values()].sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
  return {
    topic,
    partition,
    firstOffset,
    lastOffset,
    startFence,
    fence,
    segments: ordered,
    lineCount: ordered.reduce((sum, s) => sum + s.lines.length, 0),
    uncompressedBytes: ordered.reduce((sum, s) => sum + s.uncompressedBytes, 0),
    fenced,
  };
}

/** Every index entry of the plan's segments. */
export function planIndex(plan: SegmentPlan): IndexEntry[] {
  return plan.segments.flatMap((s) => s.index);
}

/** The range a plan archives, for logs: `<topic>/<partition>/<first>-<last>`. */
export function planRange(plan: SegmentPlan): string {
  return `${plan.topic}/${plan.partition}/${plan.firstOffset}-${plan.lastOffset}`;
}

function fencedRecord(offset: number, record: DecodedRecord): FencedRecord {
  const event: ConversationEvent | null =
    record.kind === 'event' ? record.event : record.kind === 'poison' ? record.standIn : null;
  return {
    offset,
    tenantId: event?.tenant_id ?? '',
    conversationId: event?.conversation_id ?? '',
    seq: event !== null && isSeqEvent(event) ? event.seq : null,
  };
}
