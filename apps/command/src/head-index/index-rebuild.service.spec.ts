import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsService, ReadinessService } from '@threadline/observability';
import { IndexFenceWriter } from '../event-log/index-fence-writer';
import { HeadIndexService } from './head-index.service';
import { IndexRebuildService } from './index-rebuild.service';
import { ProjectionLookupService } from './projection-lookup.service';

/** The Redis side of a rebuild: the epoch key and the rebuild lock. */
class FakeIndex {
  epoch: number | null = null;
  lockOwner: string | null = null;
  /** Called when a lock is taken, so a test can steal it at the moment it chooses. */
  onLocked: (owner: string) => void = () => undefined;

  async isTrusted(): Promise<boolean> {
    return this.epoch !== null;
  }

  async trustedEpoch(): Promise<number | null> {
    return this.epoch;
  }

  async tryLockRebuild(owner: string): Promise<boolean> {
    if (this.lockOwner !== null) return false;
    this.lockOwner = owner;
    this.onLocked(owner);
    return true;
  }

  async extendRebuildLock(owner: string): Promise<boolean> {
    return this.lockOwner === owner;
  }

  async unlockRebuild(owner: string): Promise<void> {
    if (this.lockOwner === owner) this.lockOwner = null;
  }

  async trustIfOwner(owner: string, epoch: number | null): Promise<boolean> {
    if (this.lockOwner !== owner || this.epoch !== null) return false;
    if (epoch !== null) this.epoch = epoch;
    return true;
  }

  async distrust(epoch: number): Promise<void> {
    if (this.epoch === epoch) this.epoch = null;
  }
}

/** The projector's stored offsets and the highest fence it passed, moved by the test. */
class FakeProjection {
  offsets = new Map<number, number>();
  highestFence = 0;

  async projectorOffsets(): Promise<Map<number, number>> {
    return new Map(this.offsets);
  }

  async highestIndexFence(): Promise<number> {
    return this.highestFence;
  }
}

/** The topic: its end offsets, and the fences written to it. */
class FakeFences {
  ends = new Map<number, number>();
  written: Array<{ epoch: number; partitions: number[] }> = [];
  /** Records that land after the rebuild read the end offsets, before its fences (late produce attempts). */
  lateRecords = new Map<number, number>();
  /** Called once the fences are written, before the rebuild goes on. */
  onWritten: () => void = () => undefined;

  async endOffsets(): Promise<Map<number, number>> {
    return new Map(this.ends);
  }

  async write(epoch: number, partitions: readonly number[]): Promise<Map<number, number>> {
    this.written.push({ epoch, partitions: [...partitions] });
    for (const [p, count] of this.lateRecords) this.ends.set(p, (this.ends.get(p) ?? 0) + count);
    const offsets = new Map(partitions.map((p) => [p, this.ends.get(p) ?? 0]));
    for (const p of partitions) this.ends.set(p, (this.ends.get(p) ?? 0) + 1);
    this.onWritten();
    return offsets;
  }
}

function rebuilder(index: FakeIndex, projection: FakeProjection, fences: FakeFences): IndexRebuildService {
  return new IndexRebuildService(
    index as unknown as HeadIndexService,
    projection as unknown as ProjectionLookupService,
    fences as unknown as IndexFenceWriter,
    new ReadinessService(),
    new MetricsService({ service: 'command', logLevel: 'silent' }),
  );
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5000) throw new Error(`never happened: ${what}`);
    await sleep(20);
  }
}

describe('IndexRebuildService', () => {
  let service: IndexRebuildService | null = null;
  afterEach(async () => {
    service?.onApplicationShutdown();
    await service?.settled();
    service = null;
  });

  it('writes the fence only once the projector reached the end of the topic, and trusts only once it passed everything before the fences', async () => {
    const index = new FakeIndex();
    const projection = new FakeProjection();
    const fences = new FakeFences();
    fences.ends = new Map([
      [0, 10],
      [1, 0],
    ]);
    fences.lateRecords = new Map([[0, 3]]);
    projection.offsets = new Map([[0, 4]]);
    projection.highestFence = 2;
    service = rebuilder(index, projection, fences);
    service.start();

    await sleep(300);
    expect(fences.written).toEqual([]);
    projection.offsets.set(0, 10);
    await until('the fences are written', () => fences.written.length === 1);
    expect(fences.written).toEqual([{ epoch: 3, partitions: [0, 1] }]);

    await sleep(300);
    expect(index.epoch).toBeNull();
    projection.offsets.set(0, 13);
    await until('the index is trusted', () => index.epoch !== null);
    expect(index.epoch).toBe(3);
  });

  it('starts a topic that never held a record at epoch 1 without waiting for the projector', async () => {
    const index = new FakeIndex();
    const fences = new FakeFences();
    fences.ends = new Map([
      [0, 0],
      [1, 0],
    ]);
    service = rebuilder(index, new FakeProjection(), fences);
    service.start();
    await until('the index is trusted', () => index.epoch !== null);
    expect(index.epoch).toBe(1);
    expect(fences.written).toEqual([{ epoch: 1, partitions: [0, 1] }]);
  });

  it('writes no fence and trusts nothing once another rebuilder took its lock', async () => {
    const index = new FakeIndex();
    const projection = new FakeProjection();
    const fences = new FakeFences();
    fences.ends = new Map([[0, 5]]);
    service = rebuilder(index, projection, fences);
    let stolen = false;
    index.onLocked = () => {
      if (!stolen) {
        stolen = true;
        setTimeout(() => {
          index.lockOwner = 'another instance';
          projection.offsets.set(0, 5);
        }, 100);
      }
    };
    service.start();
    await until('the lock is stolen and the projector caught up', () => projection.offsets.get(0) === 5);
    await sleep(300);
    expect(fences.written).toEqual([]);
    expect(index.epoch).toBeNull();
  });

  it('does not trust the epoch whose fence it wrote if it lost the lock meanwhile', async () => {
    const index = new FakeIndex();
    const projection = new FakeProjection();
    const fences = new FakeFences();
    fences.ends = new Map([[0, 0]]);
    fences.onWritten = () => {
      index.lockOwner = 'another instance';
    };
    service = rebuilder(index, projection, fences);
    service.start();
    await until('the fence is written', () => fences.written.length === 1);
    await sleep(200);
    expect(index.epoch).toBeNull();
  });

  it('distrusts an index whose epoch is below a fence already written, and rebuilds it above that fence', async () => {
    const index = new FakeIndex();
    const projection = new FakeProjection();
    const fences = new FakeFences();
    index.epoch = 2;
    projection.highestFence = 4;
    service = rebuilder(index, projection, fences);
    await service.distrustStaleEpoch();
    await until('the index is trusted again', () => index.epoch !== null);
    expect(index.epoch).toBe(5);
  });
});
