import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { eventually } from '../support/service-process';
import { kafkaMessage } from '../support/event-builder';
import { isolatedEnv } from '../support/test-env';
import {
  appendAll,
  appendedEvent,
  archivesAndKeepsEverySeqReadable,
  connectProducer,
  retentionWaitsForTheStore,
  Started,
  survivesSigkillMidSegment,
  topicEnds,
  untilArchivedTo,
} from './scenarios';
import {
  archiveDir,
  archivedOffsets,
  archiverProcess,
  conversationState,
  db,
  filesystemStore,
  openReader,
  removeArchiveDirs,
} from './support';

/**
 * The real archiver (dist/) against real Kafka and Postgres, with the filesystem
 * object store in a temporary directory.
 */

const started = new Started();

afterAll(async () => {
  await started.stopAll();
  await db.end();
  removeArchiveDirs();
});

describe('archiver', () => {
  it('archives every event into immutable segments and keeps every seq readable after retention trims Postgres', async () => {
    await archivesAndKeepsEverySeqReadable(started, 'archiver', filesystemStore('retain'));
  });

  it('SIGKILL mid-segment then restart: no lost events, no duplicate or half-written segment visible', async () => {
    await survivesSigkillMidSegment(started, 'archiver', filesystemStore('kill'));
  });

  it('goes back to the stored offset when Postgres lost index transactions it had committed, and archives them again', async () => {
    const env = isolatedEnv('arch-lost');
    const dir = archiveDir('lost');
    const archiver = started.track(
      archiverProcess('archiver-lost', env, dir, {
        ARCHIVE_SEGMENT_MAX_AGE_MS: '200',
        ARCHIVE_RETENTION_ENABLED: 'false',
      }),
    );
    await archiver.start();
    const producer = await connectProducer();
    const id = `lost-${randomUUID()}`;
    const archivedTotal = async () =>
      [...(await archivedOffsets(env.ARCHIVER_GROUP_ID, env.KAFKA_TOPIC)).values()].reduce((a, b) => a + b, 0);
    const send = async (from: number, to: number) => {
      const events = Array.from({ length: to - from + 1 }, (_, i) => appendedEvent(id, from + i));
      await producer.send({ topic: env.KAFKA_TOPIC, messages: events.map((event) => kafkaMessage(event)) });
      await eventually(`seqs up to ${to} archived`, async () => (await archivedTotal()) === to, 30_000, 100);
    };
    try {
      await send(1, 20);
      await send(21, 40);

      // What a crash with synchronous_commit=off or a failover to a lagging replica leaves: the index
      // transactions of seqs 21..40 (offsets 20..39 of the conversation's partition) are gone.
      const [[partition]] = [...(await archivedOffsets(env.ARCHIVER_GROUP_ID, env.KAFKA_TOPIC))].filter(
        ([, n]) => n > 0,
      );
      const lost = await db.query<{ segment_key: string }>(
        'SELECT segment_key FROM archive_segments WHERE topic = $1 AND partition = $2 AND first_offset >= 20',
        [env.KAFKA_TOPIC, partition],
      );
      expect(lost.rows.length).toBeGreaterThan(0);
      const keys = lost.rows.map((r) => r.segment_key);
      await db.query('DELETE FROM archive_index WHERE segment_key = ANY($1)', [keys]);
      await db.query('DELETE FROM archive_segments WHERE segment_key = ANY($1)', [keys]);
      await db.query(
        'UPDATE consumer_offsets SET next_offset = 20 WHERE consumer = $1 AND topic = $2 AND partition = $3',
        [env.ARCHIVER_GROUP_ID, env.KAFKA_TOPIC, partition],
      );

      await send(41, 45);
      const { reader, close } = await openReader(dir);
      try {
        expect(
          (await reader.readRange({ tenantId: 'default', conversationId: id }, 1, 45, 100)).map((m) => m.seq),
        ).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
      } finally {
        await close();
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('advances archived_seq of seqs the projector wrote only after their segments, also across an archiver restart', async () => {
    const stack = await started.stack('arch-trail');
    const dir = archiveDir('trail');
    const settings = { ARCHIVE_SEGMENT_MAX_AGE_MS: '200', ARCHIVE_RETENTION_ENABLED: 'false' };
    const first = started.track(archiverProcess('archiver-trail-1', stack.env, dir, settings));
    await first.start();
    const ids = Array.from({ length: 20 }, (_, i) => `trail-${randomUUID()}-${i}`);
    await appendAll(stack.baseUrl, ids, 5);
    await eventually('the first 5 seqs archived', async () =>
      (await conversationState(ids)).every((r) => r.archivedSeq === 5),
    );

    // The projector stops: seqs 6..10 reach the archive before Postgres has their rows.
    await stack.projector.stop();
    await appendAll(stack.baseUrl, ids, 5);
    await untilArchivedTo(stack.env, await topicEnds(stack.env.KAFKA_TOPIC));
    expect((await conversationState(ids)).map((r) => r.archivedSeq)).toEqual(ids.map(() => 5));

    // A restart forgets which conversations its segments left behind.
    await first.kill();
    const second = started.track(archiverProcess('archiver-trail-2', stack.env, dir, settings));
    await second.start();
    await stack.projector.start();
    await eventually(
      'archived_seq of every conversation at 10 with no new segment',
      async () => (await conversationState(ids)).every((r) => r.lastSeq === 10 && r.archivedSeq === 10),
      60_000,
      200,
    );
  });

  it('retention deletes nothing while the store is unreachable, and trims once it answers again', async () => {
    const target = filesystemStore('down');
    const dir = target.env.ARCHIVE_DIR;
    await retentionWaitsForTheStore(started, 'archiver', target, {
      // The store's root is gone: a plain file stands where the directory was.
      begin: () => {
        renameSync(dir, `${dir}.away`);
        writeFileSync(dir, 'not a directory');
      },
      end: () => {
        rmSync(dir);
        renameSync(`${dir}.away`, dir);
      },
    });
  });
});
