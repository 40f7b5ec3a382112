import { ArchivedSeqBacklog } from './archived-seq-backlog';

const entry = (conversationId: string, lastSeq: number) => ({ conversationId, lastSeq });

describe('ArchivedSeqBacklog', () => {
  it('hands out the conversations noted longest ago first, at most `limit`', () => {
    const backlog = new ArchivedSeqBacklog();
    backlog.note([entry('a', 3), entry('b', 5)]);
    backlog.note([entry('c', 1)]);
    expect(backlog.next(2)).toEqual(['a', 'b']);
    expect(backlog.next(10)).toEqual(['a', 'b', 'c']);
  });

  it('drops a conversation once its archived_seq reached the highest seq noted for it', () => {
    const backlog = new ArchivedSeqBacklog();
    backlog.note([entry('a', 3), entry('b', 5)]);
    backlog.settle(
      ['a', 'b'],
      new Map([
        ['a', 3],
        ['b', 4],
      ]),
    );
    expect(backlog.next(10)).toEqual(['b']);
  });

  it('keeps the highest seq noted when a later segment holds lower seqs of the conversation', () => {
    const backlog = new ArchivedSeqBacklog();
    backlog.note([entry('a', 9)]);
    backlog.note([entry('a', 4)]);
    backlog.settle(['a'], new Map([['a', 4]]));
    expect(backlog.next(10)).toEqual(['a']);
  });

  it('sends a conversation still behind to the back of the line, so one slow conversation never starves the rest', () => {
    const backlog = new ArchivedSeqBacklog();
    backlog.note([entry('a', 9), entry('b', 9), entry('c', 9)]);
    backlog.settle(['a'], new Map([['a', 1]]));
    expect(backlog.next(10)).toEqual(['b', 'c', 'a']);
  });

  it('drops a conversation that has no row (deleted), and keeps one noted again during the pass', () => {
    const backlog = new ArchivedSeqBacklog();
    backlog.note([entry('gone', 2), entry('a', 2)]);
    const ids = backlog.next(10);
    backlog.note([entry('a', 7)]);
    backlog.settle(ids, new Map([['a', 2]]));
    expect(backlog.next(10)).toEqual(['a']);
    expect(backlog.size).toBe(1);
  });
});
