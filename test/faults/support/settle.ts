import { Pool } from 'pg';
import { eventually } from '../../support/service-process';
import { Subscriber } from './subscribers';

/** Each conversation's head (version) as the command service reports it; retried while it answers 503. */
export async function readHeads(commandUrls: string[], ids: string[]): Promise<Map<string, number>> {
  const heads = new Map<string, number>();
  for (const id of ids) {
    let attempt = 0;
    const version = await eventually(
      `the head of ${id}`,
      async () => {
        attempt += 1;
        const res = await fetch(`${commandUrls[attempt % commandUrls.length]}/v1/conversations/${id}`);
        return res.status === 200 ? ((await res.json()) as { version: number }).version : null;
      },
      120_000,
      250,
    );
    heads.set(id, version);
  }
  return heads;
}

async function waitOrNote(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<string[]> {
  try {
    await eventually(what, async () => (await probe()) || null, timeoutMs, 250);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * After the writers stopped: waits until the projection holds every seq up to
 * each head (reservations the writers never saw acknowledged are settled by the
 * hole reaper within HOLE_GRACE_MS), the archive reached each head, and every
 * subscriber was delivered each head. Whatever does not settle in time is
 * returned as a note; the checker then names exactly what is missing.
 */
export async function settle(
  commandUrls: string[],
  db: Pool,
  heads: Map<string, number>,
  subscribers: Subscriber[],
): Promise<string[]> {
  const ids = [...heads.keys()];
  const rowsComplete = async () => {
    const { rows } = await db.query<{ id: string; last_seq: string; archived_seq: string; rows: string }>(
      `SELECT c.id, c.last_seq, c.archived_seq, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS rows
       FROM conversations c WHERE c.id = ANY($1)`,
      [ids],
    );
    return rows;
  };
  const notes = await waitOrNote(
    'the projection to hold every seq up to each head',
    async () => {
      const rows = await rowsComplete();
      return (
        rows.length === ids.length &&
        rows.every((r) => Number(r.last_seq) === heads.get(r.id) && Number(r.rows) === heads.get(r.id))
      );
    },
    120_000,
  );
  const latest = await readHeads(commandUrls, ids);
  for (const [id, head] of latest) {
    heads.set(id, head);
  }
  notes.push(
    ...(await waitOrNote(
      'the archive to reach each head',
      async () => (await rowsComplete()).every((r) => Number(r.archived_seq) >= (heads.get(r.id) ?? 0)),
      60_000,
    )),
  );
  const behind = () => subscribers.filter((s) => s.cursor < (heads.get(s.conversationId) ?? 0));
  const delivered = await waitOrNote(
    'every subscriber to be delivered its head',
    async () => behind().length === 0,
    60_000,
  );
  notes.push(
    ...delivered.map(
      (note) =>
        `${note}; behind: ${behind()
          .map((s) => whereBehind(s, heads))
          .join('; ')}`,
    ),
  );
  return notes;
}

/** Where a subscriber left behind stands: its cursor, the head, its connections and its last frame's age. */
function whereBehind(subscriber: Subscriber, heads: Map<string, number>): string {
  const last =
    subscriber.lastFrameAt === null
      ? 'never'
      : `${((performance.now() - subscriber.lastFrameAt) / 1000).toFixed(1)} s ago`;
  return (
    `${subscriber.name} at seq ${subscriber.cursor} of ${heads.get(subscriber.conversationId)}, ` +
    `connection ${subscriber.connections} to ${subscriber.currentUrl}, last frame ${last}`
  );
}
