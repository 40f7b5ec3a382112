import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, describeFailure, query } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { PartView } from '../components/PartView';
import { RunCard } from '../components/RunCard';
import { metadataText, timeOf } from '../format';
import { ConnectionState, LiveStream, StreamFrame } from '../live-stream';
import { ConsoleSettings, websocketBase } from '../settings';
import { applyRunFrame, entryOfFrame, mergeEntries, RunProgress, runOf } from '../timeline-state';
import { Conversation, LogEntry, LogPage, RunPage } from '../types';

const PAGE = 50;

const STATE_LABELS: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  ended: 'ended (conversation deleted)',
};

/**
 * One conversation: its newest page, older pages as the reader scrolls up (through the archive too: the reads
 * answer archived seqs like hot ones), then every new seq and run event live from realtime.
 */
export function TimelineView(props: { conversationId: string; settings: ConsoleSettings }) {
  const { conversationId } = props;
  const path = `/v1/conversations/${encodeURIComponent(conversationId)}`;
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [runs, setRuns] = useState<Map<string, RunProgress>>(new Map());
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [notices, setNotices] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const log = useRef<HTMLOListElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const keepBottom = useRef(true);
  const heightBeforePrepend = useRef<number | null>(null);

  const oldest = entries.length === 0 ? null : entries[0].seq;

  const readRange = async (from: number, limit: number) => {
    try {
      const page = await api<LogPage>(`${path}/messages${query({ from, limit })}`);
      setEntries((current) => mergeEntries(current, page.messages));
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  const onFrame = (frame: StreamFrame) => {
    const entry = entryOfFrame(frame);
    if (entry !== null) {
      setEntries((current) => mergeEntries(current, [entry]));
      if (entry.kind === 'message' && entry.actor === null) {
        // The stream's frames are FleetLM's shape, without the actor: the read of that seq has it.
        void readRange(entry.seq, 1);
      }
    } else if (frame.type === 'gap') {
      setNotices((current) => [...current, `Gap: seq ${frame.expected} late, repaired from the log`]);
      void readRange(frame.expected, frame.actual - frame.expected);
    } else if (frame.type === 'conversation_deleted') {
      setNotices((current) => [...current, `Conversation deleted after seq ${frame.last_seq}`]);
    } else {
      setRuns((current) => applyRunFrame(current, frame));
    }
  };

  useEffect(() => {
    let stream: LiveStream | null = null;
    let cancelled = false;
    const start = async () => {
      const record = await api<Conversation>(path);
      const [tail, streaming] = await Promise.all([
        api<LogPage>(`${path}/tail${query({ limit: PAGE })}`),
        api<RunPage>(`${path}/runs${query({ status: 'streaming', limit: 100 })}`),
      ]);
      if (cancelled) {
        return;
      }
      setConversation(record);
      setEntries(tail.messages);
      setRuns(new Map(streaming.runs.map((run) => [run.run_id, runOf(run)])));
      const cursor = tail.messages.length === 0 ? 0 : tail.messages[tail.messages.length - 1].seq;
      stream = new LiveStream(websocketBase(props.settings), conversationId, cursor, onFrame, setConnection);
    };
    start().catch((failure: unknown) => setError(describeFailure(failure)));
    return () => {
      cancelled = true;
      stream?.close();
    };
  }, [conversationId]);

  const loadOlder = async () => {
    if (oldest === null || oldest <= 1 || loadingOlder) {
      return;
    }
    setLoadingOlder(true);
    try {
      const from = Math.max(1, oldest - PAGE);
      const page = await api<LogPage>(`${path}/messages${query({ from, limit: oldest - from })}`);
      heightBeforePrepend.current = log.current?.scrollHeight ?? null;
      setEntries((current) => mergeEntries(current, page.messages));
    } catch (failure) {
      setError(describeFailure(failure));
    } finally {
      setLoadingOlder(false);
    }
  };

  // Older pages are prepended without moving what the reader looks at; new entries follow the bottom if it was in view.
  useLayoutEffect(() => {
    const element = log.current;
    if (element === null) {
      return;
    }
    if (heightBeforePrepend.current !== null) {
      element.scrollTop += element.scrollHeight - heightBeforePrepend.current;
      heightBeforePrepend.current = null;
    } else if (keepBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [entries, runs]);

  useEffect(() => {
    const sentinel = top.current;
    if (sentinel === null) {
      return;
    }
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((entry) => entry.isIntersecting)) {
        void loadOlder();
      }
    });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [oldest, loadingOlder]);

  const cancelRun = async (runId: string) => {
    try {
      await api(`/v1/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  const activeRuns = [...runs.values()];
  return (
    <section aria-labelledby="timeline-title" class="timeline">
      <div class="timeline-head">
        <h1 id="timeline-title">{conversationId}</h1>
        <span class={`connection ${connection}`} role="status" aria-live="polite">
          Stream: {STATE_LABELS[connection]}
        </span>
      </div>
      {conversation !== null ? (
        <p class="summary">
          last seq {Math.max(conversation.last_seq, entries.at(-1)?.seq ?? 0)} · archived up to{' '}
          {conversation.archived_seq} · {conversation.tombstoned ? 'deleted' : 'open'} ·{' '}
          <span class="mono">{metadataText(conversation.metadata)}</span>
        </p>
      ) : null}
      <ErrorNote error={error} />
      {notices.map((notice) => (
        <p key={notice} class="notice" role="status">
          {notice}
        </p>
      ))}
      <ol
        class="log"
        ref={log}
        tabIndex={0}
        aria-label="Messages, oldest first"
        onScroll={(event) => {
          const element = event.currentTarget;
          keepBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        <li ref={top} class="older">
          {oldest !== null && oldest > 1 ? (
            <button type="button" disabled={loadingOlder} onClick={() => void loadOlder()}>
              {loadingOlder ? 'Loading…' : `Load older (before seq ${oldest})`}
            </button>
          ) : (
            <span>Beginning of the conversation</span>
          )}
        </li>
        {entries.map((entry) => (
          <EntryView key={entry.seq} entry={entry} archived={entry.seq <= (conversation?.archived_seq ?? 0)} />
        ))}
      </ol>
      {activeRuns.length > 0 ? (
        <section aria-labelledby="runs-title" class="runs">
          <h2 id="runs-title">Runs</h2>
          {activeRuns.map((run) => (
            <RunCard key={run.runId} run={run} onCancel={() => void cancelRun(run.runId)} />
          ))}
        </section>
      ) : null}
    </section>
  );
}

function EntryView(props: { entry: LogEntry; archived: boolean }) {
  const { entry } = props;
  if (entry.kind === 'tombstone') {
    return (
      <li class="entry tombstone" data-seq={entry.seq}>
        <span class="seq">#{entry.seq}</span> tombstone: {entry.reason}
      </li>
    );
  }
  return (
    <li class={`entry role-${entry.role}`} data-seq={entry.seq}>
      <div class="entry-head">
        <span class="seq">#{entry.seq}</span> <span class="role">{entry.role}</span>{' '}
        <span class="mono">{entry.actor ?? '—'}</span> · v{entry.version} · {timeOf(entry.inserted_at)}
        {props.archived ? <span class="badge">archived</span> : null}
      </div>
      {entry.parts.map((part, index) => (
        <PartView key={index} part={part} />
      ))}
    </li>
  );
}
