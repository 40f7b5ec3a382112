import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type ConversationEvent,
  LEGACY_EVENT_SCHEMA_VERSION,
  type LegacyConversationEvent,
  upgradeLegacyEvent,
} from '@threadline/contracts';

/** One line of a segment: a decoded event and where it was in the topic. */
export interface SegmentLine {
  partition: number;
  offset: number;
  event: ConversationEvent;
}

/**
 * `segments/{tenant}/{topic}/{partition}/{firstOffset:020d}-{lastOffset:020d}.ndjson.gz`:
 * the same tenant and offset range always have the same key. (Segments written
 * before tenants have no tenant component: `segments/{topic}/...`; their index rows
 * name the default tenant and keep their keys.)
 */
export function segmentKey(
  tenantId: string,
  topic: string,
  partition: number,
  firstOffset: number,
  lastOffset: number,
): string {
  const pad = (n: number) => String(n).padStart(20, '0');
  return `segments/${tenantId}/${topic}/${partition}/${pad(firstOffset)}-${pad(lastOffset)}.ndjson.gz`;
}

/** One NDJSON line (with its newline). Key order is fixed, so the same event always gives the same bytes. */
export function encodeLine(line: SegmentLine): Buffer {
  return Buffer.from(`${JSON.stringify({ partition: line.partition, offset: line.offset, event: line.event })}\n`);
}

/**
 * gzip with fixed settings: Node writes mtime 0 and no file name into the header,
 * so the same lines always compress to the same bytes.
 */
export function compressSegment(lines: readonly Buffer[]): Buffer {
  return gzipSync(Buffer.concat(lines), { level: 6, memLevel: 8, windowBits: 15, strategy: 0 });
}

/** The lines of a segment object, in topic order (line numbers are 0-based indexes into this array). */
export function decompressSegment(bytes: Buffer): string[] {
  const text = gunzipSync(bytes).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

/** A line as written; events of segments from before tenants are read as the version-2 events they stand for. */
export function parseLine(text: string): SegmentLine {
  const line = JSON.parse(text) as {
    partition: number;
    offset: number;
    event: ConversationEvent | LegacyConversationEvent;
  };
  const event = line.event.schema_version === LEGACY_EVENT_SCHEMA_VERSION ? upgradeLegacyEvent(line.event) : line.event;
  return { partition: line.partition, offset: line.offset, event };
}
