import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { S3StoreConfig } from '@threadline/config';
import {
  ArchiveReader,
  dataSourceOptions,
  decompressSegment,
  FilesystemObjectStore,
  ObjectStore,
  parseLine,
  S3ObjectStore,
  SegmentLine,
} from '../../libs/persistence/src';
import { ServiceProcess } from '../support/service-process';
import { allocatePort, TEST_DATABASE_URL } from '../support/test-env';

export const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });

const dirs: string[] = [];

export function archiveDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `threadline-archive-${label}-`));
  dirs.push(dir);
  return dir;
}

export function removeArchiveDirs(): void {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.away`, { recursive: true, force: true });
  }
}

/** An archiver process on the given topic/group env, archiving to `dir`. */
export function archiverProcess(
  name: string,
  env: Record<string, string>,
  dir: string,
  extra: Record<string, string> = {},
): ServiceProcess {
  return archiverProcessOn(name, env, { ARCHIVE_DIR: dir }, extra);
}

/** An archiver process on the given topic/group env, archiving to the store `storeEnv` (ARCHIVE_*) names. */
export function archiverProcessOn(
  name: string,
  env: Record<string, string>,
  storeEnv: Record<string, string>,
  extra: Record<string, string> = {},
): ServiceProcess {
  const port = allocatePort();
  return new ServiceProcess('archiver', `${name}-${env.KAFKA_TOPIC}`, port, {
    ...env,
    ARCHIVER_PORT: String(port),
    ...storeEnv,
    ARCHIVE_SEGMENT_MAX_AGE_MS: '300',
    ARCHIVE_RETENTION_ENABLED: 'true',
    ARCHIVE_RETENTION_INTERVAL_MS: '3600000',
    ...extra,
  });
}

/** A filesystem store directory, or a store opened by the test. */
export type StoreRef = string | ObjectStore;

function storeOf(ref: StoreRef): ObjectStore {
  return typeof ref === 'string' ? new FilesystemObjectStore(ref) : ref;
}

/** A reader as command/realtime will use it: the index in Postgres, objects from the store. */
export async function openReader(store: StoreRef): Promise<{ reader: ArchiveReader; close: () => Promise<void> }> {
  const dataSource = new DataSource(dataSourceOptions({ url: TEST_DATABASE_URL, poolSize: 2 }));
  await dataSource.initialize();
  return {
    reader: new ArchiveReader(dataSource, storeOf(store)),
    close: () => dataSource.destroy(),
  };
}

export interface SegmentRow {
  partition: number;
  first_offset: number;
  last_offset: number;
  segment_key: string;
  line_count: number;
}

export async function segments(topic: string): Promise<SegmentRow[]> {
  const { rows } = await db.query<SegmentRow>(
    `SELECT partition, first_offset::int, last_offset::int, segment_key, line_count FROM archive_segments
     WHERE topic = $1 ORDER BY partition, first_offset`,
    [topic],
  );
  return rows;
}

export async function readObject(store: StoreRef, key: string): Promise<Buffer> {
  const bytes = await storeOf(store).get(key);
  if (bytes === null) {
    throw new Error(`indexed object ${key} is missing`);
  }
  return bytes;
}

export async function readSegment(store: StoreRef, key: string): Promise<SegmentLine[]> {
  return decompressSegment(await readObject(store, key)).map(parseLine);
}

/** The archiver's stored next offset per partition. */
export async function archivedOffsets(group: string, topic: string): Promise<Map<number, number>> {
  const { rows } = await db.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
}

export async function conversationState(ids: string[]) {
  const { rows } = await db.query<{ id: string; last_seq: string; archived_seq: string; rows: string }>(
    `SELECT c.id, c.last_seq, c.archived_seq, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS rows
     FROM conversations c WHERE c.id = ANY($1) ORDER BY c.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    lastSeq: Number(r.last_seq),
    archivedSeq: Number(r.archived_seq),
    rows: Number(r.rows),
  }));
}

/** The store an archiver under test writes: its ARCHIVE_* variables, and the same store opened in the test. */
export interface StoreUnderTest {
  env: Record<string, string>;
  store: ObjectStore;
}

export function filesystemStore(label: string): StoreUnderTest {
  const dir = archiveDir(label);
  return { env: { ARCHIVE_DIR: dir }, store: new FilesystemObjectStore(dir) };
}

/** The S3Proxy `scripts/stack up` runs, and the credentials the stack gives it. */
export const TEST_S3_ENDPOINT = process.env.TEST_S3_ENDPOINT ?? 'http://127.0.0.1:9000';
const S3_CREDENTIALS = {
  accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'threadline',
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'threadline-local-secret',
};

function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
}

const buckets: { endpoint: string; bucket: string }[] = [];

/**
 * A bucket of the test's own at `endpoint` (the services never create buckets: an
 * operator does, like the stack does for its default one), used under a key prefix.
 */
export async function s3Store(label: string, endpoint = TEST_S3_ENDPOINT): Promise<StoreUnderTest & S3StoreConfig> {
  const bucket = `tl-${label}-${randomBytes(4).toString('hex')}`;
  const client = s3Client(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  buckets.push({ endpoint, bucket });
  const config: S3StoreConfig = {
    backend: 's3',
    bucket,
    prefix: 'threadline/test/',
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  };
  return {
    ...config,
    store: new S3ObjectStore(config),
    env: {
      ARCHIVE_BACKEND: 's3',
      ARCHIVE_S3_BUCKET: bucket,
      ARCHIVE_S3_PREFIX: config.prefix,
      ARCHIVE_S3_ENDPOINT: endpoint,
      ARCHIVE_S3_REGION: config.region,
      ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      ARCHIVE_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      ARCHIVE_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    },
  };
}

/** Every key in the bucket, prefix included, as S3 lists it. */
export async function bucketKeys(endpoint: string, bucket: string): Promise<string[]> {
  const client = s3Client(endpoint);
  try {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket })) {
      keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key])));
    }
    return keys;
  } finally {
    client.destroy();
  }
}

/** Empties and deletes the buckets `s3Store` created (those on a server that is still up). */
export async function removeBuckets(): Promise<void> {
  for (const { endpoint, bucket } of buckets.splice(0)) {
    const client = s3Client(endpoint);
    try {
      for (const key of await bucketKeys(endpoint, bucket)) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch {
      // a server of a test's own that is already gone takes its buckets with it
    } finally {
      client.destroy();
    }
  }
}

const ROOT = join(__dirname, '..', '..');

/**
 * An S3Proxy of the test's own (own port, own data dir, started and stopped by
 * scripts/stack), so stopping it disturbs nothing else.
 */
export class OwnS3Proxy {
  constructor(
    readonly port: number,
    private readonly label: string,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): void {
    this.stack('s3-start');
  }

  stop(): void {
    this.stack('s3-stop');
  }

  private stack(command: 's3-start' | 's3-stop'): void {
    execFileSync('bash', [join(ROOT, 'scripts', 'stack'), command], {
      env: { ...process.env, S3_PORT: String(this.port), STACK_DATA_DIR: join(ROOT, '.data', this.label) },
      stdio: 'ignore',
    });
  }
}

/** A counter's value from a service's /metrics (0 when it has not been incremented yet). */
export async function metricValue(baseUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}
