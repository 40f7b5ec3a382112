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
  /** The seq of the 201. */
  seq?: number;
  /** Some attempt got no definitive answer (503, timeout, lost connection). */
  ambiguous?: boolean;
}

/** One seq of a conversation as a view holds it; `key` is the message text (null for a tombstone). */
export interface Entry {
  seq: number;
  kind: 'message' | 'tombstone';
  key: string | null;
}

/** A stored view (Postgres, replay reads, the archive): each conversation's entries in the order returned. */
export interface StoredView {
  name: string;
  entries: Map<string, Entry[]>;
}

/** A frame as a stream subscriber received it, reduced to what the checker needs. */
export type SeenFrame =
  | { type: 'message'; seq: number; key: string | null }
  | { type: 'tombstone'; seq: number }
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
}

export interface CheckResult {
  counts: CheckCounts;
  violations: string[];
}

function show(entry: Entry | undefined): string {
  if (entry === undefined) {
    return 'nothing';
  }
  return entry.kind === 'tombstone' ? 'a tombstone' : `message ${entry.key}`;
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return a !== undefined && b !== undefined && a.kind === b.kind && a.key === b.key;
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
    } else if (write.status === 'unacked' && at.length > 1) {
      violations.push(
        `${view} ${id}: unacknowledged ${write.key} is present ${at.length} times (seqs ${at.join(', ')})`,
      );
    } else if (write.status === 'rejected' && at.length > 0) {
      violations.push(`${view} ${id}: ${write.key}, rejected with 409, is present at seq ${at.join(', ')}`);
    }
  }
}

/** What one subscriber saw against the reference view: no duplicate, no reorder, no unannounced hole. */
function checkSubscriber(
  subscriber: SubscriberHistory,
  head: number,
  reference: Map<number, Entry>,
  violations: string[],
): { gaps: number; gapSeqs: number } {
  const where = `subscriber ${subscriber.name}`;
  const delivered = new Set<number>();
  const gapped = new Set<number>();
  let gaps = 0;
  let previous = 0;
  for (const frame of subscriber.frames) {
    if (frame.type === 'gap') {
      gaps += 1;
      if (frame.expected <= previous || frame.actual <= frame.expected) {
        violations.push(`${where}: gap ${frame.expected}..${frame.actual} after seq ${previous}`);
      }
      for (let seq = frame.expected; seq < frame.actual; seq += 1) {
        gapped.add(seq);
      }
      continue;
    }
    if (frame.type === 'other') {
      violations.push(`${where}: unexpected frame ${frame.raw}`);
      continue;
    }
    if (frame.seq <= previous) {
      violations.push(
        `${where}: seq ${frame.seq} after seq ${previous} (${frame.seq === previous || delivered.has(frame.seq) ? 'duplicate' : 'reorder'})`,
      );
    }
    previous = Math.max(previous, frame.seq);
    delivered.add(frame.seq);
    const seen: Entry =
      frame.type === 'message'
        ? { seq: frame.seq, kind: 'message', key: frame.key }
        : { seq: frame.seq, kind: 'tombstone', key: null };
    const expected = reference.get(frame.seq);
    if (!sameEntry(seen, expected)) {
      violations.push(`${where}: saw ${show(seen)} at seq ${frame.seq}, the log has ${show(expected)}`);
    }
  }
  for (let seq = 1; seq <= head; seq += 1) {
    if (!delivered.has(seq) && !gapped.has(seq)) {
      violations.push(`${where}: never got seq ${seq}, nor a gap announcing it`);
    }
  }
  return { gaps, gapSeqs: [...gapped].filter((seq) => !delivered.has(seq)).length };
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
  };
  const [referenceView, ...otherViews] = input.views;
  for (const [id, head] of input.heads) {
    const writes = input.writes.filter((w) => w.conversationId === id);
    for (const view of input.views) {
      checkViewConversation(view.name, id, head, view.entries.get(id) ?? [], writes, violations);
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
    const presentKeys = new Set([...reference.values()].map((e) => e.key));
    counts.acked += writes.filter((w) => w.status === 'acked').length;
    counts.rejected += writes.filter((w) => w.status === 'rejected').length;
    counts.unackedPresent += writes.filter((w) => w.status === 'unacked' && presentKeys.has(w.key)).length;
    counts.unackedAbsent += writes.filter((w) => w.status === 'unacked' && !presentKeys.has(w.key)).length;
    counts.tombstones += [...reference.values()].filter((e) => e.kind === 'tombstone').length;
    for (const subscriber of input.subscribers.filter((s) => s.conversationId === id)) {
      const seen = checkSubscriber(subscriber, head, reference, violations);
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
    `rejected=${c.rejected} tombstones=${c.tombstones} gaps=${c.gaps} (seqs ${c.gapSeqs}) ` +
    `violations=${result.violations.length} | ${extra}`
  );
}
