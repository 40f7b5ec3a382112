import { check, CheckInput, Entry, LogRecord, RawLog, SeenFrame, StoredView, WriteOutcome } from './checker';

const ID = 'c1';

function acked(key: string, seq: number): WriteOutcome {
  return { conversationId: ID, key, status: 'acked', seq };
}

function message(seq: number, key: string): Entry {
  return { seq, kind: 'message', key };
}

function tombstone(seq: number, reason = 'abandoned'): Entry {
  return { seq, kind: 'tombstone', key: null, reason };
}

function view(name: string, entries: Entry[]): StoredView {
  return { name, entries: new Map([[ID, entries]]) };
}

function frames(entries: Entry[]): SeenFrame[] {
  return entries.map((e) =>
    e.kind === 'message'
      ? { type: 'message', seq: e.seq, key: e.key }
      : { type: 'tombstone', seq: e.seq, reason: e.reason ?? null },
  );
}

/** seq 1 and 3 acknowledged, seq 2 an unacknowledged append settled by a tombstone. */
const writes = [
  acked('w#1', 1),
  { conversationId: ID, key: 'w#2', status: 'unacked' } as WriteOutcome,
  acked('w#3', 3),
];
const log = [message(1, 'w#1'), tombstone(2), message(3, 'w#3')];

function input(overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    heads: new Map([[ID, 3]]),
    writes,
    views: [view('postgres', log), view('replay', log), view('archive', log)],
    subscribers: [{ name: 'ws', conversationId: ID, frames: frames(log) }],
    ...overrides,
  };
}

describe('fault checker', () => {
  it('accepts a history where every view and subscriber holds each acknowledged append once at its seq', () => {
    const result = check(input());
    expect(result.violations).toEqual([]);
    expect(result.counts).toEqual({
      acked: 2,
      unackedPresent: 0,
      unackedAbsent: 1,
      rejected: 0,
      tombstones: 1,
      gaps: 0,
      gapSeqs: 0,
      lostRaces: 0,
    });
  });

  it('counts an unacknowledged append that is present exactly once as allowed', () => {
    const present = [message(1, 'w#1'), message(2, 'w#2'), message(3, 'w#3')];
    const result = check(
      input({
        views: [view('postgres', present), view('replay', present)],
        subscribers: [{ name: 'ws', conversationId: ID, frames: frames(present) }],
      }),
    );
    expect(result.violations).toEqual([]);
    expect(result.counts.unackedPresent).toBe(1);
  });

  it('flags an acknowledged message that a view lost, even when a tombstone stands at its seq', () => {
    const lost = [message(1, 'w#1'), tombstone(2), tombstone(3)];
    const result = check(input({ views: [view('postgres', log), view('archive', lost)] }));
    expect(result.violations).toEqual([
      'archive c1: acknowledged w#3 (seq 3) is lost',
      'archive c1: seq 3 is a tombstone (abandoned), postgres has message w#3',
    ]);
  });

  it('flags an acknowledged message duplicated at a second seq', () => {
    const duplicated = [message(1, 'w#1'), message(2, 'w#3'), message(3, 'w#3')];
    const result = check(input({ views: [view('postgres', duplicated)], subscribers: [] }));
    expect(result.violations).toEqual(['postgres c1: acknowledged w#3 is duplicated at seqs 2, 3']);
  });

  it('flags an unacknowledged append present twice', () => {
    const twice = [message(1, 'w#1'), message(2, 'w#2'), message(3, 'w#3'), message(4, 'w#2')];
    const result = check(input({ heads: new Map([[ID, 4]]), views: [view('postgres', twice)], subscribers: [] }));
    expect(result.violations).toEqual(['postgres c1: unacknowledged w#2 is present 2 times (seqs 2, 4)']);
  });

  it('flags reordered seqs and a message found at another seq than the one acknowledged', () => {
    const swapped = [message(1, 'w#1'), message(3, 'w#3'), tombstone(2)];
    const moved = [message(1, 'w#3'), tombstone(2), message(3, 'w#1')];
    const result = check(input({ views: [view('replay', swapped), view('archive', moved)], subscribers: [] }));
    expect(result.violations).toEqual([
      'replay c1: seq 2 after seq 3 (reorder)',
      'archive c1: acknowledged w#1 at seq 1 is at seq 3',
      'archive c1: acknowledged w#3 at seq 3 is at seq 1',
      'archive c1: seq 1 is message w#3, replay has message w#1',
      'archive c1: seq 3 is message w#1, replay has message w#3',
    ]);
  });

  it('flags a hole that is neither a message nor a tombstone', () => {
    const holed = [message(1, 'w#1'), message(3, 'w#3')];
    const result = check(input({ views: [view('postgres', holed)], subscribers: [] }));
    expect(result.violations).toEqual(['postgres c1: hole at seq 2 (neither a message nor a tombstone)']);
  });

  it('flags a message appended after a 409 rejected it, and one nobody wrote', () => {
    const rejected: WriteOutcome = { conversationId: ID, key: 'w#4', status: 'rejected' };
    const extra = [...log, message(4, 'w#4'), message(5, 'x#1')];
    const result = check(
      input({
        heads: new Map([[ID, 5]]),
        writes: [...writes, rejected],
        views: [view('postgres', extra)],
        subscribers: [],
      }),
    );
    expect(result.violations).toEqual([
      'postgres c1: message x#1 at seq 5 was never written to it',
      'postgres c1: w#4, rejected with 409, is present at seq 4',
    ]);
  });

  it('flags a subscriber that saw a seq twice, out of order, or with other content than the log', () => {
    const seen: SeenFrame[] = [
      { type: 'message', seq: 1, key: 'w#1' },
      { type: 'message', seq: 3, key: 'w#3' },
      { type: 'tombstone', seq: 2, reason: 'abandoned' },
      { type: 'message', seq: 3, key: 'w#3' },
    ];
    const wrong: SeenFrame[] = [{ type: 'message', seq: 1, key: 'w#3' }, ...frames(log).slice(1)];
    const result = check(
      input({
        subscribers: [
          { name: 'ws', conversationId: ID, frames: seen },
          { name: 'sse', conversationId: ID, frames: wrong },
        ],
      }),
    );
    expect(result.violations).toEqual([
      'subscriber ws: seq 2 after seq 3 (reorder)',
      'subscriber ws: seq 3 after seq 3 (duplicate)',
      'subscriber sse: saw message w#3 at seq 1, the log has message w#1',
    ]);
  });

  it('accepts a seq a gap announced, and flags one a subscriber never got without a gap', () => {
    const announced: SeenFrame[] = [
      { type: 'message', seq: 1, key: 'w#1' },
      { type: 'gap', expected: 2, actual: 3 },
      { type: 'message', seq: 3, key: 'w#3' },
    ];
    const silent: SeenFrame[] = [
      { type: 'message', seq: 1, key: 'w#1' },
      { type: 'message', seq: 3, key: 'w#3' },
    ];
    const result = check(
      input({
        subscribers: [
          { name: 'ws', conversationId: ID, frames: announced },
          { name: 'sse', conversationId: ID, frames: silent },
        ],
      }),
    );
    expect(result.violations).toEqual(['subscriber sse: never got seq 2, nor a gap announcing it']);
    expect(result.counts.gaps).toBe(1);
    expect(result.counts.gapSeqs).toBe(1);
  });

  it('flags an acknowledged seq a gap skipped and the subscriber never got', () => {
    const skipped: SeenFrame[] = [
      { type: 'message', seq: 1, key: 'w#1' },
      { type: 'gap', expected: 2, actual: 4 },
    ];
    const result = check(
      input({ heads: new Map([[ID, 3]]), subscribers: [{ name: 'ws', conversationId: ID, frames: skipped }] }),
    );
    expect(result.violations).toEqual(['subscriber ws: acknowledged seq 3 was skipped by a gap and never delivered']);
  });

  it('flags a seq delivered after a gap that skipped it, acknowledged or not', () => {
    const late: SeenFrame[] = [
      { type: 'message', seq: 1, key: 'w#1' },
      { type: 'gap', expected: 2, actual: 3 },
      { type: 'tombstone', seq: 2, reason: 'abandoned' },
      { type: 'message', seq: 3, key: 'w#3' },
    ];
    const result = check(input({ subscribers: [{ name: 'sse', conversationId: ID, frames: late }] }));
    expect(result.violations).toEqual(['subscriber sse: seq 2 after seq 2 (after a gap skipped it)']);
  });

  it('flags a deduplicated 201 that names another seq than the one holding the pair', () => {
    const retried: WriteOutcome = { ...acked('w#3', 3), ackedSeqs: [3, 3, 2] };
    const result = check(input({ writes: [writes[0], writes[1], retried], views: [view('postgres', log)] }));
    expect(result.violations).toEqual(['postgres c1: a retry of w#3 was answered 201 with seq 2; it is at seq 3']);
  });

  it('flags tombstones whose reason differs between views and streams', () => {
    const other = [message(1, 'w#1'), tombstone(2, 'index_rebuilt'), message(3, 'w#3')];
    const result = check(
      input({
        views: [view('postgres', log), view('archive', other)],
        subscribers: [{ name: 'ws', conversationId: ID, frames: frames(other) }],
      }),
    );
    expect(result.violations).toEqual([
      'archive c1: seq 2 is a tombstone (index_rebuilt), postgres has a tombstone (abandoned)',
      'subscriber ws: saw a tombstone (index_rebuilt) at seq 2, the log has a tombstone (abandoned)',
    ]);
  });

  it('flags a replay page that is stale, starts before its cursor or names a cursor that skips seqs', () => {
    const replay: StoredView = {
      ...view('replay', log),
      pages: new Map([
        [
          ID,
          [
            { from: 1, seqs: [1], nextCursor: 2, consistency: 'stale' },
            { from: 2, seqs: [1, 2], nextCursor: 4, consistency: 'strong' },
            { from: 4, seqs: [], nextCursor: null, consistency: 'strong' },
          ],
        ],
      ]),
    };
    const result = check(input({ views: [view('postgres', log), replay], subscribers: [] }));
    expect(result.violations).toEqual([
      'replay c1 page from 1: consistency stale after the system settled',
      'replay c1 page from 2: starts at seq 1',
      'replay c1 page from 2: next_cursor 4 after seq 2',
    ]);
  });

  it('flags a raw log that holds a record twice, breaks partition order or whose first event per seq is not the view', () => {
    const at = (entry: Entry, offset: number, partition = 0): LogRecord => ({ ...entry, partition, offset });
    const raw: RawLog = {
      name: 'topic',
      records: new Map([
        [
          ID,
          [
            at(message(1, 'w#1'), 10),
            at(message(2, 'w#9'), 12),
            at(tombstone(2), 11),
            at(message(3, 'w#3'), 13),
            at(message(3, 'w#3'), 13),
          ],
        ],
      ]),
    };
    const result = check(input({ logs: [raw], subscribers: [] }));
    expect(result.violations).toEqual([
      'topic c1: offset 0/11 after offset 12 (reorder)',
      'topic c1: offset 0/13 after offset 13 (duplicate)',
      'topic c1: the first event for seq 2 is message w#9, the view has a tombstone (abandoned)',
    ]);
  });

  it('counts a late message that lost its seq to an earlier event with other content, and accepts it', () => {
    const raw: RawLog = {
      name: 'topic',
      records: new Map([
        [
          ID,
          [message(1, 'w#1'), tombstone(2), message(3, 'w#3'), message(2, 'w#2'), tombstone(3)].map((e, offset) => ({
            ...e,
            partition: 0,
            offset,
          })),
        ],
      ]),
    };
    const result = check(input({ logs: [raw] }));
    expect(result.violations).toEqual([]);
    expect(result.counts.lostRaces).toBe(1);
  });

  it('flags acknowledged writes and subscribers of a conversation left out of the check', () => {
    const result = check(
      input({
        writes: [...writes, { conversationId: 'c2', key: 'v#1', status: 'acked', seq: 1 }],
        subscribers: [{ name: 'ws:c2', conversationId: 'c2', frames: [] }],
      }),
    );
    expect(result.violations).toEqual([
      'acknowledged v#1 of c2: that conversation was not checked',
      'subscriber ws:c2: its conversation was not checked',
    ]);
  });
});
