import { StreamFrame } from './live-stream';
import { LogEntry, Run, RunStatus } from './types';

/** A run as the timeline draws it: its text so far and its tool activity, folded from its events. */
export interface RunProgress {
  runId: string;
  status: RunStatus;
  reason: string | null;
  lastRunSeq: number;
  text: string;
  reasoning: string;
  tools: string[];
}

/** Entries by seq, ascending, each seq once (a later copy of a seq replaces the earlier one). */
export function mergeEntries(current: LogEntry[], incoming: LogEntry[]): LogEntry[] {
  const bySeq = new Map(current.map((entry) => [entry.seq, entry]));
  for (const entry of incoming) {
    bySeq.set(entry.seq, entry);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** A live message or tombstone frame as a log entry. */
export function entryOfFrame(frame: StreamFrame): LogEntry | null {
  if (frame.type === 'message') {
    return {
      seq: frame.seq,
      kind: 'message',
      version: frame.version,
      role: frame.message.role,
      parts: frame.message.parts,
      metadata: frame.message.metadata,
      actor: frame.actor ?? null,
      inserted_at: frame.inserted_at ?? new Date().toISOString(),
    };
  }
  if (frame.type === 'tombstone') {
    return { seq: frame.seq, kind: 'tombstone', reason: frame.reason };
  }
  return null;
}

export function runOf(run: Run): RunProgress {
  return {
    runId: run.run_id,
    status: run.status,
    reason: run.reason,
    lastRunSeq: 0,
    text: '',
    reasoning: '',
    tools: [],
  };
}

function blank(runId: string): RunProgress {
  return { runId, status: 'streaming', reason: null, lastRunSeq: 0, text: '', reasoning: '', tools: [] };
}

/** Applies a run frame; an event at or below what the run already has (a resent one) changes nothing. */
export function applyRunFrame(runs: Map<string, RunProgress>, frame: StreamFrame): Map<string, RunProgress> {
  if (frame.type !== 'run_event' && frame.type !== 'run_status') {
    return runs;
  }
  const run = runs.get(frame.run_id) ?? blank(frame.run_id);
  const next = new Map(runs);
  if (frame.type === 'run_status') {
    next.set(frame.run_id, { ...run, status: frame.status, reason: frame.reason });
    return next;
  }
  if (frame.run_seq <= run.lastRunSeq) {
    return runs;
  }
  const updated = { ...run, lastRunSeq: frame.run_seq };
  const delta = typeof frame.delta === 'string' ? frame.delta : '';
  if (frame.kind === 'text-delta') {
    updated.text = run.text + delta;
  } else if (frame.kind === 'reasoning-delta') {
    updated.reasoning = run.reasoning + delta;
  } else if (frame.kind === 'tool-call' || frame.kind === 'tool-result') {
    const tool = typeof frame.tool_name === 'string' ? frame.tool_name : '';
    updated.tools = [...run.tools, `${frame.kind} ${tool}`.trim()];
  }
  next.set(frame.run_id, updated);
  return next;
}
