import { Logger } from '@nestjs/common';
import { CommittedOffset, OffsetMirror } from './offset-mirror';

const TOPIC = 'conversations';
const RETRY_MS = 1000;
const INTERVAL_MS = 500;

/** A group coordinator the test answers by hand: each commit waits until the test settles it. */
class Coordinator {
  readonly calls: CommittedOffset[][] = [];
  private readonly answers: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  readonly commit = (offsets: CommittedOffset[]): Promise<void> => {
    this.calls.push(offsets);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  };

  async accept(): Promise<void> {
    this.answers.shift()?.resolve();
    await jest.advanceTimersByTimeAsync(0);
  }

  async refuse(): Promise<void> {
    this.answers.shift()?.reject(new Error('The coordinator is not available'));
    await jest.advanceTimersByTimeAsync(0);
  }
}

function offsets(...pairs: Array<[number, number]>): CommittedOffset[] {
  return pairs.map(([partition, offset]) => ({ topic: TOPIC, partition, offset: String(offset) }));
}

describe('OffsetMirror', () => {
  let coordinator: Coordinator;
  let mirror: OffsetMirror;

  beforeEach(() => {
    jest.useFakeTimers();
    coordinator = new Coordinator();
    mirror = new OffsetMirror(
      TOPIC,
      coordinator.commit,
      { debug: jest.fn() } as unknown as Logger,
      RETRY_MS,
      INTERVAL_MS,
    );
  });

  afterEach(() => {
    mirror.stop();
    jest.useRealTimers();
  });

  it('returns at once while a commit hangs on an unreachable coordinator, and commits the newest offsets after it', async () => {
    mirror.record(0, 10);
    mirror.record(0, 20);
    mirror.record(1, 5);
    expect(coordinator.calls).toEqual([offsets([0, 10])]);
    await coordinator.accept();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(coordinator.calls).toEqual([offsets([0, 10]), offsets([0, 20], [1, 5])]);
  });

  it('starts a commit at most once per interval, with the newest offsets recorded in between', async () => {
    mirror.record(0, 1);
    await coordinator.accept();
    for (let offset = 2; offset <= 50; offset += 1) {
      mirror.record(0, offset);
      await jest.advanceTimersByTimeAsync(INTERVAL_MS / 50);
    }
    await jest.advanceTimersByTimeAsync(INTERVAL_MS / 50);
    expect(coordinator.calls).toEqual([offsets([0, 1]), offsets([0, 50])]);
  });

  it('starts the next commit at once when the last one took longer than the interval', async () => {
    mirror.record(0, 1);
    await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    mirror.record(0, 2);
    await coordinator.accept();
    expect(coordinator.calls).toEqual([offsets([0, 1]), offsets([0, 2])]);
  });

  it('never runs two commits at once', async () => {
    mirror.record(0, 10);
    await jest.advanceTimersByTimeAsync(60_000);
    mirror.record(0, 11);
    expect(coordinator.calls).toHaveLength(1);
  });

  it('tries a refused commit again after the retry delay', async () => {
    mirror.record(2, 7);
    await coordinator.refuse();
    expect(coordinator.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(RETRY_MS - 1);
    expect(coordinator.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(coordinator.calls).toEqual([offsets([2, 7]), offsets([2, 7])]);
  });

  it('retries with the offset recorded during a refused commit, never an older one', async () => {
    mirror.record(0, 10);
    mirror.record(0, 30);
    await coordinator.refuse();
    await jest.advanceTimersByTimeAsync(RETRY_MS);
    expect(coordinator.calls.at(-1)).toEqual(offsets([0, 30]));
  });

  it('commits only offsets it was given', async () => {
    mirror.record(3, 42);
    await coordinator.accept();
    await jest.advanceTimersByTimeAsync(10 * RETRY_MS);
    expect(coordinator.calls).toEqual([offsets([3, 42])]);
  });

  it('drops what it holds for partitions this member no longer owns', async () => {
    mirror.record(0, 1);
    mirror.record(1, 8);
    mirror.record(2, 9);
    mirror.retain([2]);
    await coordinator.accept();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(coordinator.calls).toEqual([offsets([0, 1]), offsets([2, 9])]);
  });

  it('commits nothing more once stopped', async () => {
    mirror.record(0, 1);
    await coordinator.refuse();
    mirror.stop();
    mirror.record(0, 2);
    await jest.advanceTimersByTimeAsync(10 * RETRY_MS);
    expect(coordinator.calls).toHaveLength(1);
  });
});
