import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MetricsService, ObservabilityOptions } from '@threadline/observability';
import { dataSourceOptions, FilesystemObjectStore, segmentKey } from '@threadline/persistence';
import { ArchiverMetrics } from '../../apps/archiver/src/archive/archiver-metrics';
import { ArchiverConfig } from '../../apps/archiver/src/config/archiver.config';
import { OrphanIndex } from '../../apps/archiver/src/orphans/orphan-index';
import { OrphanSweeper } from '../../apps/archiver/src/orphans/orphan-sweeper';
import { TEST_DATABASE_URL } from '../support/test-env';

/**
 * The orphan sweep's rule (orphan-statements.ts) as the real archive index answers
 * it: the sweeper and its OrphanIndex against the test database, seeded with the
 * index rows and stored offsets each case needs.
 */

const HOUR = 3_600_000;
const dataSource = new DataSource(dataSourceOptions({ url: TEST_DATABASE_URL, poolSize: 2 }));

beforeAll(() => dataSource.initialize());
afterAll(() => dataSource.destroy());

describe('OrphanSweeper with the real index', () => {
  let root: string;
  let store: FilesystemObjectStore;
  let metrics: ArchiverMetrics;
  let topic: string;
  let consumer: string;
  let sweeper: OrphanSweeper;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'threadline-orphans-'));
    store = new FilesystemObjectStore(root);
    await store.init();
    metrics = new ArchiverMetrics(new MetricsService({ service: 'archiver' } as ObservabilityOptions));
    const run = randomBytes(4).toString('hex');
    topic = `test.orphans-${run}`;
    consumer = `archiver-orphans-${run}`;
    const config = {
      kafka: { topic },
      consumer: { groupId: consumer },
      orphans: { enabled: true, intervalMs: HOUR, graceMs: HOUR },
    } as ArchiverConfig;
    sweeper = new OrphanSweeper(store, new OrphanIndex(dataSource, config), metrics, config);
  });

  afterEach(async () => {
    rmSync(root, { recursive: true, force: true });
    await dataSource.query(`DELETE FROM archive_segments WHERE topic = $1`, [topic]);
    await dataSource.query(`DELETE FROM consumer_offsets WHERE topic IN ($1, $2)`, [topic, `${topic}-other`]);
  });

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

  /** The archiver's stored next offset of a partition, as its index transactions leave it. */
  async function storeOffset(partition: number, nextOffset: number, of = { consumer, topic }): Promise<void> {
    await dataSource.query(
      `INSERT INTO consumer_offsets (consumer, topic, partition, next_offset, updated_at) VALUES ($1, $2, $3, $4, now())`,
      [of.consumer, of.topic, partition, nextOffset],
    );
  }

  /** An archive_segments row naming `key`, as the index transaction writes it. */
  async function index(key: string, partition: number, firstOffset: number, lastOffset: number): Promise<void> {
    await dataSource.query(
      `INSERT INTO archive_segments
         (topic, partition, first_offset, last_offset, segment_key, line_count, uncompressed_bytes, stored_bytes, created_at)
       VALUES ($1, $2, $3, $4, $5, 0, 0, 0, now())`,
      [topic, partition, firstOffset, lastOffset, key],
    );
  }

  it('deletes an old unindexed segment and a stale temporary file, and keeps an indexed object however old', async () => {
    // Partition 0 is archived up to offset 200 by segments 0-99 and 100-199; 0-149 is what a
    // crash left behind before ARCHIVE_SEGMENT_MAX_BYTES changed the plan.
    const indexedOld = await put(segmentKey('default', topic, 0, 0, 99), 5 * HOUR);
    const indexedNew = await put(segmentKey('default', topic, 0, 100, 199), 0);
    const orphan = await put(segmentKey('default', topic, 0, 0, 149), 2 * HOUR);
    const tmp = `${segmentKey('default', topic, 0, 200, 299)}.0a1b2c3d.tmp`;
    writeFileSync(join(root, tmp), 'half a put');
    age(tmp, 2 * HOUR);
    await index(indexedOld, 0, 0, 99);
    await index(indexedNew, 0, 100, 199);
    await storeOffset(0, 200);

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
    const young = await put(segmentKey('default', topic, 0, 0, 149), HOUR / 2);
    const youngTmp = `${segmentKey('default', topic, 0, 0, 99)}.0a1b2c3d.tmp`;
    writeFileSync(join(root, youngTmp), 'a put in progress');
    // Starts at the stored next offset: its index transaction may still come.
    const pending = await put(segmentKey('default', topic, 0, 200, 299), 2 * HOUR);
    // No offset stored for partition 1 yet.
    const unpositioned = await put(segmentKey('default', topic, 1, 0, 99), 2 * HOUR);
    const otherTopic = await put(segmentKey('default', 'other.v1', 0, 0, 9), 2 * HOUR);
    const unknown = await put(`segments/default/${topic}/0/notes.txt`, 2 * HOUR);
    await storeOffset(0, 200);

    expect(await sweeper.runOnce()).toEqual({ unindexed: 0, partial: 0 });

    expect(await keys()).toEqual([young, youngTmp, pending, unpositioned, otherTopic, unknown].sort());
  });

  it("keeps a segment whose partition only another consumer's or another topic's offsets have moved past", async () => {
    const byOtherConsumer = await put(segmentKey('default', topic, 2, 0, 99), 2 * HOUR);
    const byOtherTopic = await put(segmentKey('default', topic, 3, 0, 99), 2 * HOUR);
    await storeOffset(2, 1000, { consumer: `${consumer}-other`, topic });
    await storeOffset(3, 1000, { consumer, topic: `${topic}-other` });

    expect(await sweeper.runOnce()).toEqual({ unindexed: 0, partial: 0 });

    expect(await keys()).toEqual([byOtherConsumer, byOtherTopic].sort());
  });
});
