/**
 * Conversations whose `archived_seq` may still be below a seq the archive holds:
 * each committed segment names its conversations with the highest seq it holds
 * for them, and a segment's own transaction advances `archived_seq` only as far as
 * the projector had written `messages` by then. The catch-up pass advances a batch
 * of them at a time and drops each once its `archived_seq` reached what was noted.
 */
export class ArchivedSeqBacklog {
  /** Conversation (its conversationKey) → the highest seq a committed segment holds for it; oldest noted first. */
  private readonly pending = new Map<string, number>();

  get size(): number {
    return this.pending.size;
  }

  note(entries: ReadonlyArray<{ conversationId: string; lastSeq: number }>): void {
    for (const { conversationId, lastSeq } of entries) {
      const noted = this.pending.get(conversationId) ?? 0;
      this.pending.delete(conversationId);
      this.pending.set(conversationId, Math.max(noted, lastSeq));
    }
  }

  /** The `limit` conversations noted longest ago. */
  next(limit: number): string[] {
    const ids: string[] = [];
    for (const id of this.pending.keys()) {
      if (ids.length >= limit) {
        break;
      }
      ids.push(id);
    }
    return ids;
  }

  /**
   * What a pass found for `ids`: a conversation whose archived_seq reached the noted
   * seq (or that has no row: deleted) leaves; the others go to the back of the line.
   */
  settle(ids: readonly string[], archivedSeqs: ReadonlyMap<string, number>): void {
    for (const id of ids) {
      const noted = this.pending.get(id);
      if (noted === undefined) {
        continue;
      }
      this.pending.delete(id);
      const archived = archivedSeqs.get(id);
      if (archived !== undefined && archived < noted) {
        this.pending.set(id, noted);
      }
    }
  }
}
