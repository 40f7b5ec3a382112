import { useEffect, useState } from 'preact/hooks';
import { api, describeFailure } from '../api';
import { AgentFields, AgentForm } from '../components/AgentForm';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNote } from '../components/ErrorNote';
import { Link } from '../components/Link';
import { timeOf } from '../format';
import { hrefOf } from '../router';
import { Agent, AgentPage, AgentWithSecret } from '../types';

/** The tenant's agents (scope agents:manage): create, edit, disable or enable, rotate the signing secret. */
export function AgentsView() {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ agent: string; value: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = async () => {
    try {
      const all: Agent[] = [];
      let cursor: string | null = null;
      do {
        const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const page: AgentPage = await api<AgentPage>(`/v1/agents?limit=100${suffix}`);
        all.push(...page.agents);
        cursor = page.next_cursor;
      } while (cursor !== null);
      setAgents(all);
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  useEffect(() => {
    void reload();
  }, []);

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      await reload();
    } catch (failure) {
      setError(describeFailure(failure));
    }
  };

  const create = (fields: AgentFields) =>
    act(async () => {
      const created = await api<AgentWithSecret>('/v1/agents', { method: 'POST', body: fields });
      setSecret({ agent: created.id, value: created.signing_secret });
    });
  const update = (agent: Agent, fields: AgentFields) =>
    act(async () => {
      const changes = {
        webhook_url: fields.webhook_url,
        max_attempts: fields.max_attempts,
        timeout_ms: fields.timeout_ms,
      };
      await api(`/v1/agents/${encodeURIComponent(agent.id)}`, { method: 'PATCH', body: changes });
      setEditing(null);
    });
  const setStatus = (agent: Agent, status: Agent['status']) =>
    act(() => api(`/v1/agents/${encodeURIComponent(agent.id)}`, { method: 'PATCH', body: { status } }));
  const rotate = (agent: Agent) =>
    act(async () => {
      const rotated = await api<AgentWithSecret>(`/v1/agents/${encodeURIComponent(agent.id)}/rotate-secret`, {
        method: 'POST',
      });
      setSecret({ agent: agent.id, value: rotated.signing_secret });
    });

  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      <ErrorNote error={error} />
      {secret !== null ? (
        <p class="notice" role="status">
          Signing secret of {secret.agent} (shown once): <code>{secret.value}</code>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
      <table>
        <caption class="visually-hidden">Agents by id</caption>
        <thead>
          <tr>
            <th scope="col">id</th>
            <th scope="col">webhook</th>
            <th scope="col">attempts</th>
            <th scope="col">status</th>
            <th scope="col">updated</th>
            <th scope="col">actions</th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => (
            <tr key={agent.id} data-agent={agent.id}>
              <td>
                <Link href={hrefOf({ view: 'deliveries', agentId: agent.id })}>{agent.id}</Link>
              </td>
              <td class="mono">{agent.webhook_url}</td>
              <td>{agent.max_attempts}</td>
              <td>{agent.status}</td>
              <td>{timeOf(agent.updated_at)}</td>
              <td class="actions">
                {editing === agent.id ? (
                  <AgentForm
                    agent={agent}
                    onSubmit={(fields) => void update(agent, fields)}
                    onClose={() => setEditing(null)}
                  />
                ) : (
                  <button type="button" onClick={() => setEditing(agent.id)}>
                    Edit
                  </button>
                )}
                {agent.status === 'enabled' ? (
                  <ConfirmButton
                    label="Disable"
                    confirmLabel="Yes, disable"
                    onConfirm={() => void setStatus(agent, 'disabled')}
                  />
                ) : (
                  <button type="button" onClick={() => void setStatus(agent, 'enabled')}>
                    Enable
                  </button>
                )}
                <ConfirmButton label="Rotate secret" confirmLabel="Yes, rotate" onConfirm={() => void rotate(agent)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New agent</h2>
      <AgentForm onSubmit={(fields) => void create(fields)} />
    </section>
  );
}
