import { ConversationRef } from '@threadline/contracts';

/**
 * The seqs of one conversation the dispatcher has seen: every seq up to `contiguous`, and `ahead`, the seen
 * seqs above the first one missing. Events may reach the topic out of seq order (docs/consistency.md), so a
 * seq can arrive after a higher one; the first event for a seq wins (rule 1), later ones are not seen again.
 */
export class SeenSeqs {
  private readonly above: Set<number>;

  constructor(
    private low: number,
    ahead: readonly number[] = [],
  ) {
    this.above = new Set(ahead.filter((seq) => seq > low + 1));
    this.advance();
  }

  /**
   * For a conversation first met at `seq` with no earlier record of it (the dispatcher started after its
   * creation): the seqs below are taken as seen.
   */
  static from(seq: number): SeenSeqs {
    return new SeenSeqs(seq - 1);
  }

  /** Every seq up to this one has been seen. */
  get contiguous(): number {
    return this.low;
  }

  /** How many seen seqs lie above the first missing one. */
  get aheadCount(): number {
    return this.above.size;
  }

  /** The seen seqs above the first missing one, ascending. */
  get ahead(): number[] {
    return [...this.above].sort((a, b) => a - b);
  }

  /** Marks the seq seen; false when it already was (a later event for a settled seq, or a replay). */
  see(seq: number): boolean {
    if (seq <= this.low || this.above.has(seq)) {
      return false;
    }
    this.above.add(seq);
    this.advance();
    return true;
  }

  private advance(): void {
    while (this.above.delete(this.low + 1)) {
      this.low += 1;
    }
  }
}

/** The seen seqs of a chunk's conversations, as stored when it began, and the ones it changed or removed. */
export class ChunkSeenSeqs {
  private readonly changed = new Map<string, { conversation: ConversationRef; seqs: SeenSeqs }>();
  private readonly removed = new Map<string, ConversationRef>();

  constructor(private readonly stored: Map<string, SeenSeqs>) {}

  static key(conversation: ConversationRef): string {
    return JSON.stringify([conversation.tenantId, conversation.conversationId]);
  }

  /** A conversation's creation: its seqs start at 1, unless it was met before (a create again, from a retried PUT). */
  created(conversation: ConversationRef): void {
    if (!this.stored.has(ChunkSeenSeqs.key(conversation))) {
      this.track(conversation, new SeenSeqs(0));
    }
  }

  /**
   * Marks the seq seen; false when it already was. Returns whether it filled the lowest missing seq below a
   * higher one seen before, with `filledHole`.
   */
  see(conversation: ConversationRef, seq: number): { first: boolean; filledHole: boolean } {
    const seqs = this.stored.get(ChunkSeenSeqs.key(conversation)) ?? this.track(conversation, SeenSeqs.from(seq));
    const waiting = seqs.aheadCount;
    if (!seqs.see(seq)) {
      return { first: false, filledHole: false };
    }
    this.track(conversation, seqs);
    return { first: true, filledHole: waiting > 0 && seqs.aheadCount <= waiting };
  }

  /**
   * The conversation was deleted after `lastSeq`: once every seq through it was seen, nothing more can come to
   * wait for, so its seen seqs are removed (kept while a seq below is missing). A later event for a seq it had
   * is still not seen again in this chunk.
   */
  deleted(conversation: ConversationRef, lastSeq: number): void {
    const key = ChunkSeenSeqs.key(conversation);
    const seqs = this.stored.get(key);
    if (seqs !== undefined && seqs.contiguous >= lastSeq) {
      this.changed.delete(key);
      this.removed.set(key, conversation);
    }
  }

  /** Every conversation whose seen seqs are to be removed. */
  get removals(): ConversationRef[] {
    return [...this.removed.values()];
  }

  /** Every conversation whose seen seqs changed, with its state to store. */
  get changes(): Array<ConversationRef & { contiguous: number; ahead: number[] }> {
    return [...this.changed.values()].map(({ conversation, seqs }) => ({
      ...conversation,
      contiguous: seqs.contiguous,
      ahead: seqs.ahead,
    }));
  }

  private track(conversation: ConversationRef, seqs: SeenSeqs): SeenSeqs {
    const key = ChunkSeenSeqs.key(conversation);
    this.stored.set(key, seqs);
    this.changed.set(key, { conversation, seqs });
    return seqs;
  }
}
