import { useState } from 'preact/hooks';
import { Agent } from '../types';

export interface AgentFields {
  id: string;
  webhook_url: string;
  max_attempts: number;
  timeout_ms: number;
}

/** Create (with an id) or edit (without) an agent's webhook settings. */
export function AgentForm(props: { agent?: Agent; onSubmit: (fields: AgentFields) => void; onClose?: () => void }) {
  const [fields, setFields] = useState<AgentFields>({
    id: props.agent?.id ?? '',
    webhook_url: props.agent?.webhook_url ?? '',
    max_attempts: props.agent?.max_attempts ?? 8,
    timeout_ms: props.agent?.timeout_ms ?? 10000,
  });
  const prefix = props.agent === undefined ? 'new-agent' : `agent-${props.agent.id}`;
  return (
    <form
      class="agent-form"
      aria-label={props.agent === undefined ? 'New agent' : `Edit agent ${props.agent.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit(fields);
      }}
    >
      {props.agent === undefined ? (
        <label for={`${prefix}-id`}>
          Id
          <input
            id={`${prefix}-id`}
            required
            value={fields.id}
            onInput={(e) => setFields({ ...fields, id: e.currentTarget.value })}
          />
        </label>
      ) : null}
      <label for={`${prefix}-url`}>
        Webhook URL
        <input
          id={`${prefix}-url`}
          type="url"
          required
          value={fields.webhook_url}
          onInput={(e) => setFields({ ...fields, webhook_url: e.currentTarget.value })}
        />
      </label>
      <label for={`${prefix}-attempts`}>
        Max attempts
        <input
          id={`${prefix}-attempts`}
          type="number"
          min={1}
          max={20}
          value={fields.max_attempts}
          onInput={(e) => setFields({ ...fields, max_attempts: Number(e.currentTarget.value) })}
        />
      </label>
      <label for={`${prefix}-timeout`}>
        Timeout (ms)
        <input
          id={`${prefix}-timeout`}
          type="number"
          min={100}
          max={30000}
          value={fields.timeout_ms}
          onInput={(e) => setFields({ ...fields, timeout_ms: Number(e.currentTarget.value) })}
        />
      </label>
      <button type="submit">{props.agent === undefined ? 'Create agent' : 'Save'}</button>
      {props.onClose !== undefined ? (
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      ) : null}
    </form>
  );
}
