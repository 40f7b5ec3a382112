import { RUN_ID_PATTERN } from '@threadline/contracts';
import { RunCursors } from '../stream/run-output';

/** Most runs one resume may name (a conversation has few runs streaming at once). */
export const MAX_RUN_CURSORS = 100;

export type RunCursorsResult = { ok: true; cursors: RunCursors } | { ok: false; message: string };

const RUN_SEQ = /^\d{1,15}$/;

/**
 * `run_cursors`: per run id, the last run_seq the client has. An object
 * `{"run_x": 12}` (a Phoenix join payload, or a JSON query value) or the text
 * `run_x:12,run_y:3` (a query value). Absent or empty: no cursors.
 */
export function parseRunCursors(value: unknown): RunCursorsResult {
  if (value === undefined || value === null || value === '') {
    return { ok: true, cursors: new Map() };
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      try {
        return parseRunCursors(JSON.parse(text) as unknown);
      } catch {
        return { ok: false, message: 'run_cursors must be a JSON object or run_id:n pairs separated by commas' };
      }
    }
    return cursorsFrom(text.split(',').map((pair) => pair.split(':')));
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    return cursorsFrom(Object.entries(value as Record<string, unknown>));
  }
  return { ok: false, message: 'run_cursors must be an object of run_id to the last run_seq received' };
}

function cursorsFrom(pairs: unknown[][]): RunCursorsResult {
  if (pairs.length > MAX_RUN_CURSORS) {
    return { ok: false, message: `run_cursors may name at most ${MAX_RUN_CURSORS} runs` };
  }
  const cursors = new Map<string, number>();
  for (const pair of pairs) {
    const [runId, runSeq] = pair;
    if (pair.length !== 2 || typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) {
      return { ok: false, message: `run_cursors: ${describeKey(runId)} is not a run id (run_[A-Za-z0-9_-]{1,124})` };
    }
    const seq = typeof runSeq === 'string' && RUN_SEQ.test(runSeq) ? Number(runSeq) : runSeq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      return { ok: false, message: `run_cursors.${runId} must be an integer >= 0 (the last run_seq received)` };
    }
    cursors.set(runId, seq);
  }
  return { ok: true, cursors };
}

function describeKey(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : 'an entry';
}

/**
 * An SSE event id: `<seq>` (the last message seq the client has; empty before it
 * is known), then `.<run_id>.<run_seq>` for each run in flight. Run ids hold no
 * '.', so the id splits back unambiguously.
 */
export function sseEventId(seq: number | null, runs: ReadonlyMap<string, number>): string {
  let id = seq === null ? '' : String(seq);
  for (const [runId, runSeq] of runs) {
    id += `.${runId}.${runSeq}`;
  }
  return id;
}

export type SseEventIdResult =
  { ok: true; cursor: string | undefined; runCursors: RunCursors } | { ok: false; message: string };

/** The inverse of sseEventId, for Last-Event-ID: the message cursor (as text, for parseCursor) and the run cursors. */
export function parseSseEventId(id: string): SseEventIdResult {
  const [seq, ...rest] = id.trim().split('.');
  if (rest.length % 2 !== 0) {
    return { ok: false, message: 'Last-Event-ID must be <seq> followed by .<run_id>.<run_seq> pairs' };
  }
  const pairs: string[][] = [];
  for (let i = 0; i < rest.length; i += 2) {
    pairs.push([rest[i], rest[i + 1]]);
  }
  const runs = cursorsFrom(pairs);
  if (!runs.ok) {
    return { ok: false, message: `Last-Event-ID: ${runs.message}` };
  }
  return { ok: true, cursor: seq === '' ? undefined : seq, runCursors: runs.cursors };
}
