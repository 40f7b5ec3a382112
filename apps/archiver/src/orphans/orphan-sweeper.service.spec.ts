import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsService, ObservabilityOptions } from '@threadline/observability';
import { FilesystemObjectStore, segmentKey } from '@threadline/persistence';
import { ArchiverMetrics } from '../archive/archiver-metrics.service';
import { ArchiverConfig } from '../config/archiver.config';
import { OrphanIndex } from './orphan-index.service';
import { OrphanSweeper } from './orphan-sweeper.service';
import { SegmentObject } from './segment-object';

const TOPIC = 'conversations.v1';
const HOUR = 3_600_000;

/** The index as Postgres would answer: segments indexed by key, and the stored next offset per partition. */
class IndexStandIn {
  constructor(
    private readonly indexed: Set<string>,
    private readonly nextOffsets: Map<number, number>,
  ) {}

  async unreferenced(objects: readonly SegmentObject[]): Promise<Set<string>> {
    return new Set(
      objects
        .filter((o) => !this.indexed.has(o.key) && (this.nextOffsets.get(o.partition) ?? -1) > o.firstOffset)
        .map((o) => o.key),
    );
  }
}

describe('OrphanSweeper', () => {
  let root: string;
  let store: FilesystemObjectStore;
  let metrics: ArchiverMetrics;

  const config = {
    kafka: { topic: TOPIC },
    orphans: { enabled: true, intervalMs: HOUR, graceMs: HOUR },
  } as ArchiverConfig;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'threadline-orphans-'));
    store = new FilesystemObjectStore(root);
    await store.init();
    metrics = new ArchiverMetrics(new MetricsService({ service: 'archiver' } as ObservabilityOptions));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function put(key: string, ageMs: number): Promise<string> {
    await store.put(key, Buffer.from(key));
    age(key, ageMs);
    return key;
  }

  function age(key: string, ageMs: number): void {
    const at = new Date(Date.now() - ageMs);
    utimesSync(join(root, key), at, at);
  }

  async function keys(): Promise<string[]> {
    const all: string[] = [];
    for await (const page of store.list('')) {
      all.push(...page.map((o) => o.key));
    }
    return all.sort();
  }

  it('deletes an old unindexed segment and a stale temporary file, and keeps an indexed object however old', async () => {
    // Partition 0 is archived up to offset 200 by segments 0-99 and 100-199; 0-149 is what a
    // crash left behind before ARCHIVE_SEGMENT_MAX_BYTES changed the plan.
    const indexedOld = await put(segmentKey(TOPIC, 0, 0, 99), 5 * HOUR);
    const indexedNew = await put(segmentKey(TOPIC, 0, 100, 199), 0);
    const orphan = await put(segmentKey(TOPIC, 0, 0, 149), 2 * HOUR);
    const tmp = `${segmentKey(TOPIC, 0, 200, 299)}.0a1b2c3d.tmp`;
    writeFileSync(join(root, tmp), 'half a put');
    age(tmp, 2 * HOUR);
    const index = new IndexStandIn(new Set([indexedOld, indexedNew]), new Map([[0, 200]]));
    const sweeper = new OrphanSweeper(store, index as unknown as OrphanIndex, metrics, config);

    expect(await sweeper.runOnce()).toEqual({ unindexed: 1, partial: 1 });

    expect(await keys()).toEqual([indexedOld, indexedNew]);
    expect(await store.exists(orphan)).toBe(false);
    const deleted = await metrics.orphansDeleted.get();
    expect(deleted.values.map((v) => [v.labels.kind, v.value]).sort()).toEqual([
      ['partial', 1],
      ['unindexed', 1],
    ]);
  });

  it('keeps what is younger than the grace period, what may still be indexed, and what it does not recognise', async () => {
    const young = await put(segmentKey(TOPIC, 0, 0, 149), HOUR / 2);
    const youngTmp = `${segmentKey(TOPIC, 0, 0, 99)}.0a1b2c3d.tmp`;
    writeFileSync(join(root, youngTmp), 'a put in progress');
    // Starts at the stored next offset: its index transaction may still come.
    const pending = await put(segmentKey(TOPIC, 0, 200, 299), 2 * HOUR);
    // No offset stored for partition 1 yet.
    const unpositioned = await put(segmentKey(TOPIC, 1, 0, 99), 2 * HOUR);
    const otherTopic = await put(segmentKey('other.v1', 0, 0, 9), 2 * HOUR);
    const unknown = await put(`segments/${TOPIC}/0/notes.txt`, 2 * HOUR);
    const index = new IndexStandIn(new Set(), new Map([[0, 200]]));
    const sweeper = new OrphanSweeper(store, index as unknown as OrphanIndex, metrics, config);

    expect(await sweeper.runOnce()).toEqual({ unindexed: 0, partial: 0 });

    expect(await keys()).toEqual([young, youngTmp, pending, unpositioned, otherTopic, unknown].sort());
  });
});
