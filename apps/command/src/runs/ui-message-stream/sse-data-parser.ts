/** The bytes of a stream are not UTF-8; `offset` counts the bytes read before the chunk that holds them. */
export class SseEncodingError extends Error {
  constructor(readonly offset: number) {
    super(`the stream is not UTF-8 (in the bytes after byte ${offset})`);
  }
}

/**
 * Reads Server-Sent Events from bytes that arrive in arbitrary pieces (a piece may
 * end inside a line, inside a CR LF pair or inside a character) and returns the
 * data of each event once its blank line arrives: `data:` lines joined by LF, one
 * space after the colon dropped. Comments (`:`) and the other fields (`event`,
 * `id`, `retry`) are ignored, as are events whose data is empty; a leading BOM is dropped.
 */
export class SseDataParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pending = '';
  private data: string[] = [];
  private afterCr = false;
  private bytesRead = 0;

  /** The data of every event this piece completes, in order. */
  push(bytes: Uint8Array): string[] {
    const text = this.decode(bytes, true);
    this.bytesRead += bytes.byteLength;
    return this.lines(text);
  }

  /**
   * The end of the stream: a last line without its line break counts, and an event
   * whose blank line never came is still returned (the stream's end closes it).
   */
  end(): string[] {
    const done = this.lines(this.decode(new Uint8Array(0), false));
    if (this.pending !== '') {
      this.field(this.pending);
      this.pending = '';
    }
    const last = this.dispatch();
    return last === null ? done : [...done, last];
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    try {
      return this.decoder.decode(bytes, { stream });
    } catch {
      throw new SseEncodingError(this.bytesRead);
    }
  }

  private lines(text: string): string[] {
    const events: string[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a && this.afterCr && i === start && this.pending === '') {
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      if (c !== 0x0a && c !== 0x0d) {
        this.afterCr = false;
        continue;
      }
      const line = this.pending + text.slice(start, i);
      this.pending = '';
      this.afterCr = c === 0x0d;
      start = i + 1;
      if (line === '') {
        const data = this.dispatch();
        if (data !== null) {
          events.push(data);
        }
      } else {
        this.field(line);
      }
    }
    this.pending += text.slice(start);
    return events;
  }

  private field(line: string): void {
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    if (name !== 'data') {
      return;
    }
    const value = colon === -1 ? '' : line.slice(colon + 1);
    this.data.push(value.startsWith(' ') ? value.slice(1) : value);
  }

  /** The event's data, or null for an event without data (none, or one empty `data:` line). */
  private dispatch(): string | null {
    const data = this.data.join('\n');
    this.data = [];
    return data === '' ? null : data;
  }
}
