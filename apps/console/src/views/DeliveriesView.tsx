import { useState } from 'preact/hooks';
import { api, describeFailure, query } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { timeOf } from '../format';
import { usePolling } from '../hooks';
import { Delivery, DeliveryDetail, DeliveryPage } from '../types';

const STATUSES = ['', 'pending', 'replying', 'succeeded', 'failed', 'dead'];
const REFRESH_MS = 1000;

/** One agent's delivery log, newest first, refreshed while shown; each delivery's attempts; redeliver a dead one. */
export function DeliveriesView(props: { agentId: string }) {
  const [status, setStatus] = useState('');
  const [conversationId, setConversationId] = useState('');
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [open, setOpen] = useState<DeliveryDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/v1/agents/${encodeURIComponent(props.agentId)}/deliveries`;

  usePolling(
    async () => {
      try {
        // Both at once and shown together, so the attempt log never lags the row it belongs to.
        const [page, detail] = await Promise.all([
          api<DeliveryPage>(`${base}${query({ status, conversation_id: conversationId.trim(), limit: 100 })}`),
          open === null ? null : api<DeliveryDetail>(`/v1/deliveries/${open.id}`),
        ]);
        setDeliveries(page.deliveries);
        if (detail !== null) {
          setOpen(detail);
        }
      } catch (failure) {
        setError(describeFailure(failure));
      }
    },
    REFRESH_MS,
    [status, conversationId, open?.id],
  );

  const show = async (delivery: Delivery) => {
    try {
      setOpen(await api<DeliveryDetail>(`/v1/deliveries/${delivery.id}`));
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };
  const redeliver = async (delivery: Delivery) => {
    setError(null);
    try {
      await api(`/v1/deliveries/${delivery.id}/redeliver`, { method: 'POST' });
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  return (
    <section aria-labelledby="deliveries-title">
      <h1 id="deliveries-title">Deliveries of {props.agentId}</h1>
      <div class="filters" role="search">
        <label>
          Status
          <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Conversation
          <input
            name="conversation"
            value={conversationId}
            onChange={(e) => setConversationId(e.currentTarget.value)}
          />
        </label>
      </div>
      <ErrorNote error={error} />
      <table>
        <caption class="visually-hidden">Deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">conversation</th>
            <th scope="col">seqs</th>
            <th scope="col">status</th>
            <th scope="col">attempts</th>
            <th scope="col">last error</th>
            <th scope="col">next attempt</th>
            <th scope="col">actions</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => (
            <tr key={delivery.id} data-delivery={delivery.id} class={`delivery-${delivery.status}`}>
              <td>{delivery.conversation_id}</td>
              <td>
                {delivery.first_seq}–{delivery.last_seq}
              </td>
              <td class="delivery-status">{delivery.status}</td>
              <td>
                {delivery.attempts}/{delivery.attempts_allowed}
              </td>
              <td class="mono">{delivery.status === 'succeeded' ? '—' : (delivery.last_error ?? '—')}</td>
              <td>{delivery.status === 'pending' ? timeOf(delivery.next_attempt_at) : '—'}</td>
              <td class="actions">
                <button type="button" onClick={() => void show(delivery)}>
                  Attempts
                </button>
                {delivery.status === 'dead' || delivery.status === 'failed' ? (
                  <button type="button" onClick={() => void redeliver(delivery)}>
                    Redeliver
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deliveries.length === 0 ? <p>No delivery yet.</p> : null}
      {open !== null ? <AttemptLog delivery={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function AttemptLog(props: { delivery: DeliveryDetail; onClose: () => void }) {
  return (
    <section aria-labelledby="attempts-title" class="attempts">
      <h2 id="attempts-title">
        Attempts of delivery <span class="mono">{props.delivery.id}</span>
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">started</th>
            <th scope="col">HTTP status</th>
            <th scope="col">latency</th>
            <th scope="col">response excerpt</th>
            <th scope="col">error</th>
          </tr>
        </thead>
        <tbody>
          {props.delivery.attempt_log.map((attempt) => (
            <tr key={attempt.attempt}>
              <td>{attempt.attempt}</td>
              <td>{timeOf(attempt.started_at)}</td>
              <td>{attempt.http_status ?? '—'}</td>
              <td>{attempt.duration_ms} ms</td>
              <td class="mono">{attempt.response_excerpt ?? ''}</td>
              <td class="mono">{attempt.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={props.onClose}>
        Close
      </button>
    </section>
  );
}
