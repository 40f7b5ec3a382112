import { request } from 'node:http';
import fc from 'fast-check';
import { FuzzIds, invalidConversationId } from './realtime-frames';

/**
 * Requests that open a stream (a plain WebSocket upgrade, an SSE GET): the
 * conversation id in the path, `?cursor=` and, for SSE, `Last-Event-ID`, each
 * valid, invalid or just arbitrary. Valid and invalid parts are built as such,
 * so the answer they must get is known; for arbitrary ones only that it is one
 * of the documented answers.
 */
export interface StreamRequestCase {
  /** The id's path segment as sent (percent-encoded, or raw text for arbitrary segments). */
  segment: string;
  /** The raw `cursor` query value (percent-encoded when sent); undefined for none. */
  cursor?: string;
  /** SSE only; undefined for no header. */
  lastEventId?: string;
  /** What the service must answer: the stream, or a 400 with this error; null when any documented answer will do. */
  expected: 'stream' | 'invalid_conversation_id' | 'invalid_cursor' | null;
}

type Part<T> = { value: T; verdict: 'valid' | 'invalid' | 'arbitrary' };

const valid = <T>(value: T): Part<T> => ({ value, verdict: 'valid' });
const invalid = <T>(value: T): Part<T> => ({ value, verdict: 'invalid' });
const arbitrary = <T>(value: T): Part<T> => ({ value, verdict: 'arbitrary' });

/** Characters a request target may carry as they are (no space, no control characters). */
const TARGET_CHARS = [..."abcXYZ019-._~:@!$&'()*+,;=%/?#[]"];

function segmentPart(ids: FuzzIds): fc.Arbitrary<Part<string>> {
  const validId = fc.oneof(
    fc.constantFrom(ids.watched, ...ids.others),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/),
    fc.constant('x'.repeat(128)),
  );
  const anySegment = fc.string({
    unit: fc.constantFrom(...TARGET_CHARS.filter((c) => c !== '?' && c !== '#')),
    minLength: 1,
    maxLength: 30,
  });
  return fc.oneof(
    { weight: 3, arbitrary: validId.map((id) => valid(encodeURIComponent(id))) },
    { weight: 2, arbitrary: invalidConversationId.map((id) => invalid(encodeURIComponent(id))) },
    { weight: 1, arbitrary: anySegment.map(arbitrary) },
  );
}

/** A cursor value: digits (maybe padded with spaces), '' (live only), or text with something other than digits in it. */
const cursorPart: fc.Arbitrary<Part<string | undefined>> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(valid(undefined)) },
  fc
    .oneof(
      fc.nat().map(String),
      fc.constant(''),
      fc.nat({ max: 99 }).map((n) => ` ${n} `),
    )
    .map(valid),
  fc
    .oneof(
      fc.constantFrom('-1', 'abc', '1.5', '1e3', '0x10', '99999999999999999', '\u0663'),
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /[^\s\d]/.test(s)),
    )
    .map(invalid),
  fc.string({ unit: 'binary', maxLength: 12 }).map(arbitrary),
);

/**
 * Header values: a message seq maybe followed by `.<run_id>.<run_seq>` pairs, printable ASCII (where Node's
 * trimming and the cursor rule agree), or any latin-1 text.
 */
const lastEventIdPart: fc.Arbitrary<Part<string | undefined>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(valid(undefined)) },
  fc.constantFrom('', '  ').map((blank) => valid(blank)),
  fc
    .oneof(
      fc.nat().map(String),
      fc.nat({ max: 99 }).map((n) => ` ${n}\t`),
      fc
        .tuple(fc.option(fc.nat(), { nil: undefined }), fc.stringMatching(/^run_[A-Za-z0-9_-]{1,8}$/), fc.nat())
        .map(([seq, runId, runSeq]) => `${seq ?? ''}.${runId}.${runSeq}`),
    )
    .map(valid),
  fc
    .tuple(fc.nat({ max: 99 }), fc.constantFrom('.run_a', '.run_a.x', '.bad.1', '.run_a.1.run_b', '.run_a.-1'))
    .map(([seq, runs]) => invalid(`${seq}${runs}`)),
  fc
    .string({ minLength: 1, maxLength: 12 })
    .filter((s) => /[^\s\d]/.test(s))
    .map(invalid),
  fc
    .string({
      unit: fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c === 0x7f ? 0xff : c)),
      maxLength: 12,
    })
    .map(arbitrary),
);

function expectation(
  segment: Part<string>,
  cursor: Part<string | undefined>,
  lastEventId: Part<string | undefined>,
): StreamRequestCase['expected'] {
  if (segment.verdict === 'arbitrary') {
    return null;
  }
  if (segment.verdict === 'invalid') {
    return 'invalid_conversation_id';
  }
  // A non-blank Last-Event-ID wins over ?cursor= (Node strips the blanks around a header value).
  const effective = lastEventId.value !== undefined && lastEventId.value.trim() !== '' ? lastEventId : cursor;
  return effective.verdict === 'arbitrary' ? null : effective.verdict === 'valid' ? 'stream' : 'invalid_cursor';
}

/** `/v1/conversations/{id}/stream?cursor=N` upgrades. */
export function plainStreamRequest(ids: FuzzIds): fc.Arbitrary<StreamRequestCase> {
  return fc.tuple(segmentPart(ids), cursorPart).map(([segment, cursor]) => ({
    segment: segment.value,
    cursor: cursor.value,
    expected: expectation(segment, cursor, valid(undefined)),
  }));
}

/**
 * A session tail upgrade (`/v1/sessions/{id}/tail?cursor=N&batch_size=B`): the same id and cursor parts as a
 * stream, where a cursor left out or blank means 0, and a batch size that is 1..1000, out of range, or arbitrary.
 */
export interface SessionTailRequestCase {
  segment: string;
  cursor?: string;
  batchSize?: string;
  expected: 'stream' | 'invalid_session_id' | 'invalid_cursor' | 'invalid_limit' | null;
}

const batchSizePart: fc.Arbitrary<Part<string | undefined>> = fc.oneof(
  fc.constantFrom(undefined, '', '1', '1000', ' 7 ').map(valid),
  fc.integer({ min: 1, max: 1000 }).map((n) => valid(String(n))),
  fc.constantFrom('0', '1001', '-1', '1.5', 'abc', '1e2', '99999').map(invalid),
  fc.string({ unit: 'binary', maxLength: 8 }).map(arbitrary),
);

export function sessionTailRequest(ids: FuzzIds): fc.Arbitrary<SessionTailRequestCase> {
  return fc.tuple(segmentPart(ids), cursorPart, batchSizePart).map(([segment, cursor, batchSize]) => {
    const streamVerdict = expectation(segment, cursor, valid(undefined));
    const expected: SessionTailRequestCase['expected'] =
      streamVerdict === 'invalid_conversation_id'
        ? 'invalid_session_id'
        : streamVerdict !== 'stream'
          ? streamVerdict
          : batchSize.verdict === 'arbitrary'
            ? null
            : batchSize.verdict === 'valid'
              ? 'stream'
              : 'invalid_limit';
    return { segment: segment.value, cursor: cursor.value, batchSize: batchSize.value, expected };
  });
}

export function sessionTailPath(c: SessionTailRequestCase): string {
  const query = [
    ...(c.cursor === undefined ? [] : [`cursor=${encodeURIComponent(c.cursor)}`]),
    ...(c.batchSize === undefined ? [] : [`batch_size=${encodeURIComponent(c.batchSize)}`]),
  ];
  return `/v1/sessions/${c.segment}/tail${query.length === 0 ? '' : `?${query.join('&')}`}`;
}

/** `GET /v1/conversations/{id}/events?cursor=N` with or without `Last-Event-ID`. */
export function sseRequest(ids: FuzzIds): fc.Arbitrary<StreamRequestCase> {
  return fc.tuple(segmentPart(ids), cursorPart, lastEventIdPart).map(([segment, cursor, lastEventId]) => ({
    segment: segment.value,
    cursor: cursor.value,
    lastEventId: lastEventId.value,
    expected: expectation(segment, cursor, lastEventId),
  }));
}

export function streamPath(c: StreamRequestCase, endpoint: 'stream' | 'events'): string {
  const query = c.cursor === undefined ? '' : `?cursor=${encodeURIComponent(c.cursor)}`;
  return `/v1/conversations/${c.segment}/${endpoint}${query}`;
}

/** Request targets of any shape for the upgrade, beyond the two WebSocket paths. */
export const anyUpgradeTarget = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TARGET_CHARS), maxLength: 40 }).map((s) => `/${s}`),
  fc.string({ unit: fc.constantFrom(...TARGET_CHARS), minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '//[',
    '//',
    '/socket/websocket?vsn=1.0.0',
    '/socket/websocket/',
    '/v1/conversations//stream',
    '/v1/sessions//tail',
    '/v1/socket/websocket?vsn=1.0.0',
    '*',
  ),
);

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A GET that reads a 200 event stream only up to its first event (`retry:`) and
 * then hangs up, and any other answer to its end.
 */
export function getStream(port: number, path: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = res.headers['content-type'] ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (status === 200 && body.includes('\n\n')) {
            req.destroy();
            resolve({ status, contentType, body });
          }
        });
        res.on('end', () => resolve({ status, contentType, body }));
        res.on('error', () => undefined);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
