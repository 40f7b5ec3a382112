import { randomUUID } from 'node:crypto';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaMessage } from '../support/event-builder';
import { compressSegment, segmentKey } from '../../libs/persistence/src';
import { eventually } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';
import { appendedEvent, connectProducer, everySeqReadable, Started, topicEnds, untilArchivedTo } from './scenarios';
import {
  archiverProcessOn,
  db,
  filesystemStore,
  metricValue,
  removeArchiveDirs,
  removeBuckets,
  s3Store,
  segments,
  StoreUnderTest,
} from './support';

/**
 * The orphan sweep of the real archiver: objects the index will never name are
 * deleted, indexed objects never are, whatever their age.
 */

const started = new Started();
const HOUR = 3_600_000;

afterAll(async () => {
  await started.stopAll();
  await removeBuckets();
  await db.end();
  removeArchiveDirs();
});

/** Archives 300 events with the sweep off, stops, and returns what is indexed. */
async function archiveWithoutSweep(label: string, target: StoreUnderTest) {
  const env = isolatedEnv(label, 2);
  const archiver = started.track(
    archiverProcessOn(`${label}-1`, env, target.env, {
      ARCHIVE_SEGMENT_MAX_BYTES: '8192',
      ARCHIVE_ORPHAN_SWEEP_ENABLED: 'false',
    }),
  );
  await archiver.start();
  const producer = await connectProducer();
  const ids = Array.from({ length: 10 }, (_, i) => `${label}-${randomUUID()}-${i}`);
  try {
    for (let seq = 1; seq <= 30; seq += 1) {
      await producer.send({ topic: env.KAFKA_TOPIC, messages: ids.map((id) => kafkaMessage(appendedEvent(id, seq))) });
    }
  } finally {
    await producer.disconnect();
  }
  const ends = await topicEnds(env.KAFKA_TOPIC);
  await untilArchivedTo(env, ends);
  await archiver.stop();
  const indexed = await segments(env.KAFKA_TOPIC);
  const [partition, end] = [...ends][0];
  return { env, ids, indexed, partition, end };
}

describe('orphan sweep', () => {
  it('deletes an old unindexed segment and a stale temporary file, and keeps every indexed object however old (filesystem)', async () => {
    const target = filesystemStore('orphans');
    const dir = target.env.ARCHIVE_DIR;
    const { env, ids, indexed, partition, end } = await archiveWithoutSweep('orphans-fs', target);
    const topic = env.KAFKA_TOPIC;
    const ageBy = (key: string, ms: number) => {
      const at = new Date(Date.now() - ms);
      utimesSync(join(dir, key), at, at);
    };
    for (const s of indexed) {
      ageBy(s.segment_key, 2 * HOUR);
    }
    // What a crash before the index transaction leaves when the segment plan changes afterwards.
    const orphan = segmentKey('default', topic, partition, 0, end + 100);
    // A put interrupted before its rename.
    const tmp = `${indexed[0].segment_key}.0a1b2c3d.tmp`;
    // Younger than the grace period, and one whose index transaction may still come.
    const young = segmentKey('default', topic, partition, 0, end + 200);
    const pending = segmentKey('default', topic, partition, end, end + 10);
    for (const key of [orphan, young, pending]) {
      await target.store.put(key, compressSegment([]));
    }
    writeFileSync(join(dir, tmp), 'half a segment');
    for (const key of [orphan, tmp, pending]) {
      ageBy(key, 2 * HOUR);
    }

    const sweeper = started.track(
      archiverProcessOn('orphans-fs-2', env, target.env, { ARCHIVE_ORPHAN_SWEEP_INTERVAL_MS: '200' }),
    );
    await sweeper.start();
    await eventually(
      'the orphan and the temporary file deleted',
      async () => !(await target.store.exists(orphan)) && !existsSync(join(dir, tmp)),
      60_000,
      200,
    );

    expect(await metricValue(sweeper.baseUrl, 'threadline_archiver_orphans_deleted_total', 'unindexed')).toBe(1);
    expect(await metricValue(sweeper.baseUrl, 'threadline_archiver_orphans_deleted_total', 'partial')).toBe(1);
    for (const key of [...indexed.map((s) => s.segment_key), young, pending]) {
      expect(await target.store.exists(key)).toBe(true);
    }
    await everySeqReadable(target, ids);
  });

  it('deletes an unindexed segment object from S3 and keeps every indexed one', async () => {
    const target = await s3Store('orphans');
    const { env, ids, indexed, partition, end } = await archiveWithoutSweep('orphans-s3', target);
    const orphan = segmentKey('default', env.KAFKA_TOPIC, partition, 0, end + 100);
    const pending = segmentKey('default', env.KAFKA_TOPIC, partition, end, end + 10);
    for (const key of [orphan, pending]) {
      await target.store.put(key, compressSegment([]));
    }

    // S3 keeps its own modification times: a short grace period stands in for an old object.
    const sweeper = started.track(
      archiverProcessOn('orphans-s3-2', env, target.env, {
        ARCHIVE_ORPHAN_SWEEP_INTERVAL_MS: '200',
        ARCHIVE_ORPHAN_GRACE_MS: '1000',
      }),
    );
    await sweeper.start();
    await eventually('the orphan deleted', async () => !(await target.store.exists(orphan)), 60_000, 200);

    expect(await metricValue(sweeper.baseUrl, 'threadline_archiver_orphans_deleted_total', 'unindexed')).toBe(1);
    for (const key of [...indexed.map((s) => s.segment_key), pending]) {
      expect(await target.store.exists(key)).toBe(true);
    }
    await everySeqReadable(target, ids);
  });
});
