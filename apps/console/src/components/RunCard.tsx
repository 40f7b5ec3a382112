import { ConfirmButton } from './ConfirmButton';
import { RunProgress } from '../timeline-state';

/** A run of the conversation: its text as it streams, its status, and a cancel for a streaming one. */
export function RunCard(props: { run: RunProgress; onCancel: () => void }) {
  const { run } = props;
  return (
    <article class={`run run-${run.status}`} data-run={run.runId} aria-label={`Run ${run.runId}`}>
      <div class="entry-head">
        <span class="mono">{run.runId}</span> · <span class="run-status">{run.status}</span>
        {run.reason !== null ? ` (${run.reason})` : null} · {run.lastRunSeq} events
      </div>
      {run.reasoning !== '' ? (
        <details class="part-reasoning">
          <summary>Reasoning</summary>
          <p>{run.reasoning}</p>
        </details>
      ) : null}
      <p class="part-text run-text">{run.text}</p>
      {run.tools.length > 0 ? <p class="mono">{run.tools.join(', ')}</p> : null}
      {run.status === 'streaming' ? (
        <ConfirmButton label="Cancel run" confirmLabel="Yes, cancel this run" onConfirm={props.onCancel} />
      ) : null}
    </article>
  );
}
