import { ObjectStore, S3ObjectStore } from '../../libs/persistence/src';
import { allocatePort } from '../support/test-env';
import {
  archivesAndKeepsEverySeqReadable,
  retentionWaitsForTheStore,
  Started,
  survivesSigkillMidSegment,
} from './scenarios';
import { bucketKeys, db, OwnS3Proxy, removeBuckets, s3Store, TEST_S3_ENDPOINT } from './support';

/**
 * The real archiver (dist/) with ARCHIVE_BACKEND=s3 against the S3Proxy of
 * `scripts/stack up` (a bucket per test), and one test against an S3Proxy of
 * its own that it stops.
 */

const started = new Started();
const ownProxy = new OwnS3Proxy(19000, 's3-outage-stack');

afterAll(async () => {
  await started.stopAll();
  await removeBuckets();
  ownProxy.stop();
  await db.end();
});

async function listAll(store: ObjectStore, prefix: string) {
  const all = [];
  for await (const page of store.list(prefix)) {
    all.push(...page);
  }
  return all.sort((a, b) => a.key.localeCompare(b.key));
}

describe('S3ObjectStore against S3Proxy', () => {
  it('puts, gets, lists and deletes objects, all under its key prefix', async () => {
    const { store, endpoint, bucket, prefix } = await s3Store('store');
    await store.ping();
    await store.put('segments/t/0/a.ndjson.gz', Buffer.from('a'));
    await store.put('segments/t/1/b.ndjson.gz', Buffer.from('b'));
    await store.put('other/c', Buffer.from('c'));

    expect((await store.get('segments/t/0/a.ndjson.gz'))?.toString()).toBe('a');
    expect(await store.get('segments/t/0/missing')).toBeNull();
    expect(await store.exists('segments/t/1/b.ndjson.gz')).toBe(true);
    expect(await store.exists('segments/t/1/missing')).toBe(false);
    const listed = await listAll(store, 'segments/t/');
    expect(listed.map(({ key, partial }) => ({ key, partial }))).toEqual([
      { key: 'segments/t/0/a.ndjson.gz', partial: false },
      { key: 'segments/t/1/b.ndjson.gz', partial: false },
    ]);
    expect((await bucketKeys(endpoint!, bucket)).sort()).toEqual(
      ['other/c', 'segments/t/0/a.ndjson.gz', 'segments/t/1/b.ndjson.gz'].map((key) => prefix + key),
    );

    await store.delete('segments/t/0/a.ndjson.gz');
    await store.delete('segments/t/0/never-there');
    expect((await listAll(store, '')).map((o) => o.key)).toEqual(['other/c', 'segments/t/1/b.ndjson.gz']);
    expect(store.location).toBe(`s3://${bucket}/${prefix} at ${endpoint}`);
  });

  it('ping fails when the bucket does not exist or nothing listens at the endpoint', async () => {
    const config = await s3Store('ping');
    await expect(new S3ObjectStore({ ...config, bucket: `${config.bucket}-missing` }).ping()).rejects.toThrow();
    const closed = `http://127.0.0.1:${allocatePort()}`;
    await expect(new S3ObjectStore({ ...config, endpoint: closed }).ping()).rejects.toThrow();
  });
});

describe('archiver on S3', () => {
  it('archives every event to S3 under the prefix and keeps every seq readable after retention trims Postgres', async () => {
    const target = await s3Store('retain');
    await archivesAndKeepsEverySeqReadable(started, 'archiver-s3', target);
    const keys = await bucketKeys(TEST_S3_ENDPOINT, target.bucket);
    expect(keys.length).toBeGreaterThan(4);
    expect(keys.every((key) => key.startsWith(`${target.prefix}segments/`))).toBe(true);
  });

  it('SIGKILL mid-segment then restart on S3: no lost events, no duplicate or half-written segment visible', async () => {
    await survivesSigkillMidSegment(started, 'archiver-s3', await s3Store('kill'));
  });

  it('retention deletes nothing while S3 is unreachable, and trims once it answers again', async () => {
    ownProxy.start();
    const target = await s3Store('down', ownProxy.endpoint);
    await retentionWaitsForTheStore(started, 'archiver-s3', target, {
      begin: () => ownProxy.stop(),
      end: () => ownProxy.start(),
    });
  });
});
