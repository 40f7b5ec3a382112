import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { appendedEvent } from '../support/event-builder';
import { produceEvents } from '../support/hand-built-events';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv, TEST_DATABASE_URL } from '../support/test-env';

/**
 * The contiguous watermark as the real projector keeps it, with events produced
 * straight to the topic in the seq orders two command instances can produce.
 */
const env = isolatedEnv('watermark');
const port = allocatePort();
const projector = new ServiceProcess('projector', `watermark-projector-${env.KAFKA_TOPIC}`, port, {
  ...env,
  PROJECTOR_PORT: String(port),
});
const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });

beforeAll(() => projector.start(), 120_000);
afterAll(async () => {
  await projector.stop();
  await db.end();
});

interface Watermark {
  last: number;
  contiguous: number;
  holeSince: Date | null;
  holeUpTo: number | null;
}

async function watermark(id: string): Promise<Watermark | null> {
  const { rows } = await db.query<{
    last_seq: string;
    contiguous_seq: string;
    hole_since: Date | null;
    hole_last_seq: string | null;
  }>('SELECT last_seq, contiguous_seq, hole_since, hole_last_seq FROM conversations WHERE id = $1', [id]);
  const row = rows[0];
  return row
    ? {
        last: Number(row.last_seq),
        contiguous: Number(row.contiguous_seq),
        holeSince: row.hole_since,
        holeUpTo: row.hole_last_seq === null ? null : Number(row.hole_last_seq),
      }
    : null;
}

const projected = (id: string, last: number) =>
  eventually(`seq ${last} of ${id} to be projected`, async () => {
    const w = await watermark(id);
    return w !== null && w.last === last && w;
  });

it('advances over consecutive seqs, opens a hole when a later seq lands first, and starts a new one past it', async () => {
  const id = `watermark-${randomUUID()}`;
  const seq = (n: number) => appendedEvent(id, n, `m${n}`, null);

  await produceEvents(env.KAFKA_TOPIC, seq(1), seq(2));
  expect(await projected(id, 2)).toEqual({ last: 2, contiguous: 2, holeSince: null, holeUpTo: null });

  await produceEvents(env.KAFKA_TOPIC, seq(4));
  const opened = await projected(id, 4);
  expect({ ...opened, holeSince: opened.holeSince !== null }).toEqual({
    last: 4,
    contiguous: 2,
    holeSince: true,
    holeUpTo: 4,
  });

  await produceEvents(env.KAFKA_TOPIC, seq(6));
  const wider = await projected(id, 6);
  expect(wider).toEqual({ ...opened, last: 6 });

  await produceEvents(env.KAFKA_TOPIC, seq(3));
  const past = await eventually('the watermark to pass the first hole', async () => {
    const w = await watermark(id);
    return w !== null && w.contiguous === 4 && w;
  });
  expect(past.holeUpTo).toBe(6);
  expect(past.holeSince!.getTime()).toBeGreaterThan(opened.holeSince!.getTime());

  await produceEvents(env.KAFKA_TOPIC, seq(5));
  const closed = await eventually('the hole to close', async () => {
    const w = await watermark(id);
    return w !== null && w.contiguous === 6 && w;
  });
  expect(closed).toEqual({ last: 6, contiguous: 6, holeSince: null, holeUpTo: null });
});
