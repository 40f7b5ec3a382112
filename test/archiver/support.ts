import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  ArchiveReader,
  dataSourceOptions,
  decompressSegment,
  FilesystemObjectStore,
  parseLine,
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
  const port = allocatePort();
  return new ServiceProcess('archiver', `${name}-${env.KAFKA_TOPIC}`, port, {
    ...env,
    ARCHIVER_PORT: String(port),
    ARCHIVE_DIR: dir,
    ARCHIVE_SEGMENT_MAX_AGE_MS: '300',
    ARCHIVE_RETENTION_ENABLED: 'true',
    ARCHIVE_RETENTION_INTERVAL_MS: '3600000',
    ...extra,
  });
}

/** A reader as command/realtime will use it: the index in Postgres, objects from the store. */
export async function openReader(dir: string): Promise<{ reader: ArchiveReader; close: () => Promise<void> }> {
  const dataSource = new DataSource(dataSourceOptions({ url: TEST_DATABASE_URL, poolSize: 2 }));
  await dataSource.initialize();
  return {
    reader: new ArchiveReader(dataSource, new FilesystemObjectStore(dir)),
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

export async function readObject(dir: string, key: string): Promise<Buffer> {
  const bytes = await new FilesystemObjectStore(dir).get(key);
  if (bytes === null) {
    throw new Error(`indexed object ${key} is missing`);
  }
  return bytes;
}

export async function readSegment(dir: string, key: string): Promise<SegmentLine[]> {
  return decompressSegment(await readObject(dir, key)).map(parseLine);
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
