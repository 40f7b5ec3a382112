/**
 * The fault suite's verdict, as pure functions of what was written and what
 * every view holds, so it is unit-tested on hand-made histories (checker.spec.ts).
 */

/** What one logical append (one producer pair) ended as, from its writer's side. */
export interface WriteOutcome {
  conversationId: string;
  /** The message text; it names the producer pair, so any view can be matched back to the write. */
  key: string;
  /** acked: a 201 came back; rejected: the first answer was 409 conflict; unacked: anything else. */
  status: 'acked' | 'unacked' | 'rejected';
  /** The seq of the first 201. */
  seq?: number;
  /** The seq named by every 201 (first answer and deduplicated retries), in the order received. */
  ackedSeqs?: number[];
  /** Some attempt got no definitive answer (503, timeout, lost connection). */
  ambiguous?: boolean;
}

/**
 * One seq of a conversation as a view holds it; `key` is the message text (null for a tombstone),
 * `reason` a tombstone's reason (every view must agree on it too).
 */
export interface Entry {
  seq: number;
  kind: 'message' | 'tombstone';
  key: string | null;
  reason?: string | null;
}

/** One page of a REST replay, as the service answered it. */
export interface ReplayPage {
  /** The `from` the page was asked for. */
  from: number;
  seqs: number[];
  nextCursor: number | null;
  consistency: string;
}

/**
 * A stored view (Postgres, replay reads, the archive): each conversation's entries in the order
 * returned, never sorted or deduplicated by the test; for replay reads also every page.
 */
export interface StoredView {
  name: string;
  entries: Map<string, Entry[]>;
  pages?: Map<string, ReplayPage[]>;
}

/** One record of a raw log (the archive's segment lines, the topic), where it was in the topic. */
export interface LogRecord extends Entry {
  partition: number;
  offset: number;
}

/**
 * Every record a raw log holds for each conversation, in the order stored (losing events
 * included): no record twice, partition order kept, and the first event per seq is the view.
 */
export interface RawLog {
  name: string;
  records: Map<string, LogRecord[]>;
}

/** A frame as a stream subscriber received it, reduced to what the checker needs. */
export type SeenFrame =
  | { type: 'message'; seq: number; key: string | null }
  | { type: 'tombstone'; seq: number; reason: string | null }
  | { type: 'gap'; expected: number; actual: number }
  | { type: 'other'; raw: string };

export interface SubscriberHistory {
  name: string;
  conversationId: string;
  /** Every frame of every connection, in arrival order (the subscriber resumed from its last seq). */
  frames: SeenFrame[];
}

export interface CheckInput {
  /** The head seq of each conversation checked (its version after the writers stopped). */
  heads: Map<string, number>;
  writes: WriteOutcome[];
  /** The first is the reference the others and the subscribers are compared with. */
  views: StoredView[];
  /** Raw logs whose first event per seq must equal the reference view; `lostRaces` counts the first. */
  logs?: RawLog[];
  subscribers: SubscriberHistory[];
}

export interface CheckCounts {
  acked: number;
  unackedPresent: number;
  unackedAbsent: number;
  rejected: number;
  tombstones: number;
  gaps: number;
  gapSeqs: number;
  /** Message events a raw log holds that lost their seq to an earlier event with other content (late attempts). */
  lostRaces: number;
}

export interface CheckResult {
  counts: CheckCounts;
  violations: string[];
}

function show(entry: Entry | undefined): string {
  if (entry === undefined) {
    return 'nothing';
  }
  return entry.kind === 'tombstone' ? `a tombstone (${entry.reason ?? 'no reason'})` : `message ${entry.key}`;
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.kind === b.kind &&
    a.key === b.key &&
    (a.kind === 'message' || (a.reason ?? null) === (b.reason ?? null))
  );
}

/** Order, coverage and identity of one conversation in one stored view. */
function checkViewConversation(
  view: string,
  id: string,
  head: number,
  entries: Entry[],
  writes: WriteOutcome[],
  violations: string[],
): void {
  let previous = 0;
  for (const entry of entries) {
    if (entry.seq <= previous) {
      violations.push(
        `${view} ${id}: seq ${entry.seq} after seq ${previous} (${entry.seq === previous ? 'duplicate' : 'reorder'})`,
      );
    }
    previous = Math.max(previous, entry.seq);
  }
  const seqs = new Set(entries.map((e) => e.seq));
  for (let seq = 1; seq <= head; seq += 1) {
    if (!seqs.has(seq)) {
      violations.push(`${view} ${id}: hole at seq ${seq} (neither a message nor a tombstone)`);
    }
  }
  for (const entry of entries.filter((e) => e.seq > head)) {
    violations.push(`${view} ${id}: seq ${entry.seq} above the head ${head}`);
  }
  const byKey = new Map<string, number[]>();
  for (const entry of entries) {
    if (entry.kind === 'message') {
      const key = entry.key ?? '(no text)';
      byKey.set(key, [...(byKey.get(key) ?? []), entry.seq]);
    }
  }
  const written = new Map(writes.map((w) => [w.key, w]));
  for (const [key, at] of byKey) {
    if (!written.has(key)) {
      violations.push(`${view} ${id}: message ${key} at seq ${at.join(', ')} was never written to it`);
    }
  }
  for (const write of writes) {
    const at = byKey.get(write.key) ?? [];
    if (write.status === 'acked') {
      if (at.length === 0) {
        violations.push(`${view} ${id}: acknowledged ${write.key} (seq ${write.seq}) is lost`);
      } else if (at.length > 1) {
        violations.push(`${view} ${id}: acknowledged ${write.key} is duplicated at seqs ${at.join(', ')}`);
      } else if (at[0] !== write.seq) {
        violations.push(`${view} ${id}: acknowledged ${write.key} at seq ${write.seq} is at seq ${at[0]}`);
      }
      for (const seq of (write.ackedSeqs ?? []).slice(1)) {
        if (at.length === 1 && seq !== at[0]) {
          violations.push(
            `${view} ${id}: a retry of ${write.key} was answered 201 with seq ${seq}; it is at seq ${at[0]}`,
          );
        }
      }
    } else if (write.status === 'unacked' && at.length > 1) {
      violations.push(
        `${view} ${id}: unacknowledged ${write.key} is present ${at.length} times (seqs ${at.join(', ')})`,
      );
    } else if (write.status === 'rejected' && at.length > 0) {
      violations.push(`${view} ${id}: ${write.key}, rejected with 409, is present at seq ${at.join(', ')}`);
    }
  }
}

/**
 * What one subscriber saw, frame by frame as it arrived, against the reference view: no duplicate,
 * no reorder, no unannounced hole. A gap moves the stream's position past the seqs it skipped, so a
 * skipped seq delivered later is out of order; a gap may skip a seq that was never acknowledged
 * (the API's answer is a replay), never an acknowledged one.
 */
function checkSubscriber(
  subscriber: SubscriberHistory,
  head: number,
  reference: Map<number, Entry>,
  ackedSeqs: Set<number>,
  violations: string[],
): { gaps: number; gapSeqs: number } {
  const where = `subscriber ${subscriber.name}`;
  const delivered = new Set<number>();
  const gapped = new Set<number>();
  let gaps = 0;
  let position = 0;
  for (const frame of subscriber.frames) {
    if (frame.type === 'gap') {
      gaps += 1;
      if (frame.expected <= position || frame.actual <= frame.expected) {
        violations.push(`${where}: gap ${frame.expected}..${frame.actual} after seq ${position}`);
      }
      for (let seq = frame.expected; seq < frame.actual; seq += 1) {
        gapped.add(seq);
      }
      position = Math.max(position, frame.actual - 1);
      continue;
    }
    if (frame.type === 'other') {
      violations.push(`${where}: unexpected frame ${frame.raw}`);
      continue;
    }
    if (frame.seq <= position) {
      const what = delivered.has(frame.seq)
        ? 'duplicate'
        : gapped.has(frame.seq)
          ? 'after a gap skipped it'
          : 'reorder';
      violations.push(`${where}: seq ${frame.seq} after seq ${position} (${what})`);
    }
    position = Math.max(position, frame.seq);
    delivered.add(frame.seq);
    const seen: Entry =
      frame.type === 'message'
        ? { seq: frame.seq, kind: 'message', key: frame.key }
        : { seq: frame.seq, kind: 'tombstone', key: null, reason: frame.reason };
    const expected = reference.get(frame.seq);
    if (!sameEntry(seen, expected)) {
      violations.push(`${where}: saw ${show(seen)} at seq ${frame.seq}, the log has ${show(expected)}`);
    }
  }
  for (let seq = 1; seq <= head; seq += 1) {
    if (delivered.has(seq)) {
      continue;
    }
    if (!gapped.has(seq)) {
      violations.push(`${where}: never got seq ${seq}, nor a gap announcing it`);
    } else if (ackedSeqs.has(seq)) {
      violations.push(`${where}: acknowledged seq ${seq} was skipped by a gap and never delivered`);
    }
  }
  return { gaps, gapSeqs: [...gapped].filter((seq) => !delivered.has(seq)).length };
}

/** Each page of a replay: strong, starting at its `from`, its cursor naming the seq after its last. */
function checkPages(view: string, id: string, pages: ReplayPage[], violations: string[]): void {
  for (const page of pages) {
    const where = `${view} ${id} page from ${page.from}`;
    if (page.consistency !== 'strong') {
      violations.push(`${where}: consistency ${page.consistency} after the system settled`);
    }
    if (page.seqs.length > 0 && page.seqs[0] < page.from) {
      violations.push(`${where}: starts at seq ${page.seqs[0]}`);
    }
    const last = page.seqs.at(-1);
    if (last !== undefined && page.nextCursor !== null && page.nextCursor !== last + 1) {
      violations.push(`${where}: next_cursor ${page.nextCursor} after seq ${last}`);
    }
  }
}

/**
 * A raw log as stored: no record twice and partition order kept; the first event per seq is what
 * every consumer applies, so it must be the reference view's entry. Returns how many message
 * records lost their seq to an earlier record with other content.
 */
function checkRawLog(
  log: string,
  id: string,
  head: number,
  records: LogRecord[],
  reference: Map<number, Entry>,
  violations: string[],
): number {
  const last = new Map<number, number>();
  const first = new Map<number, LogRecord>();
  let lostRaces = 0;
  for (const record of records) {
    const previous = last.get(record.partition);
    if (previous !== undefined && record.offset <= previous) {
      violations.push(
        `${log} ${id}: offset ${record.partition}/${record.offset} after offset ${previous} (${record.offset === previous ? 'duplicate' : 'reorder'})`,
      );
    }
    last.set(record.partition, Math.max(previous ?? -1, record.offset));
    const winner = first.get(record.seq);
    if (winner === undefined) {
      first.set(record.seq, record);
    } else if (record.kind === 'message' && !sameEntry(record, winner)) {
      lostRaces += 1;
    }
  }
  for (let seq = 1; seq <= head; seq += 1) {
    const winner = first.get(seq);
    const expected = reference.get(seq);
    if (winner === undefined) {
      violations.push(`${log} ${id}: no event for seq ${seq}`);
    } else if (expected !== undefined && !sameEntry(winner, expected)) {
      violations.push(
        `${log} ${id}: the first event for seq ${seq} is ${show(winner)}, the view has ${show(expected)}`,
      );
    }
  }
  for (const seq of [...first.keys()].filter((s) => s > head)) {
    violations.push(`${log} ${id}: event for seq ${seq} above the head ${head}`);
  }
  return lostRaces;
}

export function check(input: CheckInput): CheckResult {
  const violations: string[] = [];
  const counts: CheckCounts = {
    acked: 0,
    unackedPresent: 0,
    unackedAbsent: 0,
    rejected: 0,
    tombstones: 0,
    gaps: 0,
    gapSeqs: 0,
    lostRaces: 0,
  };
  const [referenceView, ...otherViews] = input.views;
  for (const write of input.writes.filter((w) => w.status === 'acked' && !input.heads.has(w.conversationId))) {
    violations.push(`acknowledged ${write.key} of ${write.conversationId}: that conversation was not checked`);
  }
  for (const subscriber of input.subscribers.filter((s) => !input.heads.has(s.conversationId))) {
    violations.push(`subscriber ${subscriber.name}: its conversation was not checked`);
  }
  for (const [id, head] of input.heads) {
    const writes = input.writes.filter((w) => w.conversationId === id);
    for (const view of input.views) {
      checkViewConversation(view.name, id, head, view.entries.get(id) ?? [], writes, violations);
      checkPages(view.name, id, view.pages?.get(id) ?? [], violations);
    }
    const reference = new Map((referenceView.entries.get(id) ?? []).map((e) => [e.seq, e]));
    for (const view of otherViews) {
      const entries = new Map((view.entries.get(id) ?? []).map((e) => [e.seq, e]));
      for (let seq = 1; seq <= head; seq += 1) {
        if (entries.has(seq) && reference.has(seq) && !sameEntry(entries.get(seq), reference.get(seq))) {
          violations.push(
            `${view.name} ${id}: seq ${seq} is ${show(entries.get(seq))}, ${referenceView.name} has ${show(reference.get(seq))}`,
          );
        }
      }
    }
    for (const [i, log] of (input.logs ?? []).entries()) {
      const lost = checkRawLog(log.name, id, head, log.records.get(id) ?? [], reference, violations);
      counts.lostRaces += i === 0 ? lost : 0;
    }
    const presentKeys = new Set([...reference.values()].map((e) => e.key));
    counts.acked += writes.filter((w) => w.status === 'acked').length;
    counts.rejected += writes.filter((w) => w.status === 'rejected').length;
    counts.unackedPresent += writes.filter((w) => w.status === 'unacked' && presentKeys.has(w.key)).length;
    counts.unackedAbsent += writes.filter((w) => w.status === 'unacked' && !presentKeys.has(w.key)).length;
    counts.tombstones += [...reference.values()].filter((e) => e.kind === 'tombstone').length;
    const ackedSeqs = new Set(writes.flatMap((w) => (w.status === 'acked' ? (w.ackedSeqs ?? [w.seq ?? 0]) : [])));
    for (const subscriber of input.subscribers.filter((s) => s.conversationId === id)) {
      const seen = checkSubscriber(subscriber, head, reference, ackedSeqs, violations);
      counts.gaps += seen.gaps;
      counts.gapSeqs += seen.gapSeqs;
    }
  }
  return { counts, violations };
}

/** One line per scenario: its name, the counts, and the number of violations. */
export function summaryLine(scenario: string, result: CheckResult, extra: string): string {
  const c = result.counts;
  return (
    `[faults] ${scenario}: acked=${c.acked} unacked-present=${c.unackedPresent} unacked-absent=${c.unackedAbsent} ` +
    `rejected=${c.rejected} tombstones=${c.tombstones} gaps=${c.gaps} (seqs ${c.gapSeqs}) lost-races=${c.lostRaces} ` +
    `violations=${result.violations.length} | ${extra}`
  );
}
