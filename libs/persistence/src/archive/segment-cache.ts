/**
 * Decompressed segments by key, the least recently used evicted once the total
 * passes `maxBytes`. Segments are immutable, so a cached copy never goes stale;
 * paging through a conversation decompresses each segment once, not once per page.
 */
export class SegmentCache {
  private readonly entries = new Map<string, { lines: string[]; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): string[] | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry?.lines;
  }

  /** Keeps `lines` (whose decompressed size is `bytes`) unless they alone exceed the budget. */
  set(key: string, lines: string[], bytes: number): void {
    if (bytes > this.maxBytes || this.entries.has(key)) {
      return;
    }
    for (const [oldest, entry] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) {
        break;
      }
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    this.entries.set(key, { lines, bytes });
    this.bytes += bytes;
  }
}
