import fc from 'fast-check';
import { SseDataParser, SseEncodingError } from './sse-data-parser';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every event's data from the pieces, in order, then the end of the stream. */
function parse(...pieces: Uint8Array[]): string[] {
  const parser = new SseDataParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

/** The bytes cut at the given offsets (sorted, any duplicates give empty pieces). */
function cut(all: Uint8Array, offsets: number[]): Uint8Array[] {
  const at = [0, ...offsets.map((o) => o % (all.length + 1)).sort((a, b) => a - b), all.length];
  return at.slice(1).map((end, i) => all.subarray(at[i], end));
}

describe('SseDataParser', () => {
  it('returns the data of each event as its blank line arrives, as the ai package writes them', () => {
    const parser = new SseDataParser();
    expect(parser.push(bytes('data: {"type":"start"}\n\ndata: {"type":"text-start","id":"1"}\n'))).toEqual([
      '{"type":"start"}',
    ]);
    expect(parser.push(bytes('\ndata: [DONE]\n\n'))).toEqual(['{"type":"text-start","id":"1"}', '[DONE]']);
    expect(parser.end()).toEqual([]);
  });

  it('joins the data lines of one event with LF and drops only one space after the colon', () => {
    expect(parse(bytes('data:a\ndata:  b\ndata\n\n'))).toEqual(['a\n b\n']);
  });

  it('ignores comments, other fields and events without data', () => {
    expect(parse(bytes(': keep-alive\n\nevent: x\nid: 7\nretry: 10\n\ndata:\n\ndata: 1\n\n'))).toEqual(['1']);
  });

  it('takes LF, CR LF and CR line breaks, a CR LF split between two pieces included', () => {
    expect(parse(bytes('data: a\r'), bytes('\ndata: b\r\rdata: c\r\n\r\n'))).toEqual(['a\nb', 'c']);
  });

  it('drops a leading byte order mark', () => {
    expect(parse(bytes('\ufeffdata: 1\n\n'))).toEqual(['1']);
  });

  it('closes an event the stream ends without a blank line, and a last line without its line break', () => {
    expect(parse(bytes('data: 1\n\ndata: 2\n'))).toEqual(['1', '2']);
    expect(parse(bytes('data: 1\n\ndata: 2'))).toEqual(['1', '2']);
  });

  it('refuses bytes that are not UTF-8, naming how far the stream had been read', () => {
    const parser = new SseDataParser();
    parser.push(bytes('data: 1\n\n'));
    expect(() => parser.push(new Uint8Array([0x64, 0xff]))).toThrow(new SseEncodingError(9));
  });

  it('refuses a stream that ends inside a character', () => {
    expect(() => parse(bytes('data: '), new Uint8Array([0xe2, 0x82]))).toThrow(SseEncodingError);
  });

  it('returns the same events however the bytes are cut into pieces (inside lines, line breaks and characters)', () => {
    const line = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `data: ${s.replace(/[\r\n]/g, '')}`),
      fc.constantFrom('', ': comment', 'event: e', 'data: é👩‍👩‍👧', 'data:'),
    );
    const lineBreak = fc.constantFrom('\n', '\r\n', '\r');
    const stream = fc
      .array(fc.tuple(line, lineBreak), { maxLength: 30 })
      .map((lines) => bytes(lines.map(([l, b]) => l + b).join('')));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (all, offsets) => {
        expect(parse(...cut(all, offsets))).toEqual(parse(all));
      }),
    );
  });
});
