import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { newSigningSecret, SecretBox } from '@threadline/auth';
import { ServiceProcess } from '../support/service-process';
import { readRawTopic } from '../support/topic-reader';
import { allocatePort } from '../support/test-env';

/** One request the receiver got. */
export interface Received {
  agent: string;
  headers: Record<string, string>;
  raw: string;
  body: {
    delivery_id: string;
    agent_id: string;
    conversation: { id: string; metadata: Record<string, unknown>; version: number; last_seq: number };
    messages: Array<{ seq: number; actor: string | null; parts: Array<{ text?: string }> }>;
    history: Array<{ seq: number }>;
  };
  at: number;
}

/** How the receiver answers a request: its status, body, headers, and how long it waits first. */
export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answers only once this settles (after delayMs, if both). */
  after?: Promise<unknown>;
}

/** Given the agent's requests so far (this one included), the answer to this one. */
export type Behaviour = (received: Received[]) => Answer;

/**
 * The agents' webhook endpoint: a real HTTP server on 127.0.0.1, one path per
 * agent (`/hooks/<agent>`), answering as each agent's behaviour says (200 empty by default).
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Per agent, the most requests it had open at once. */
  readonly mostInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly behaviours = new Map<string, Behaviour>();
  private server: Server | null = null;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server?.once('listening', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  url(agent: string): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hooks/${agent}`;
  }

  behave(agent: string, behaviour: Behaviour): void {
    this.behaviours.set(agent, behaviour);
  }

  of(agent: string): Received[] {
    return this.received.filter((r) => r.agent === agent);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const agent = (req.url ?? '').replace('/hooks/', '');
    const received: Received = {
      agent,
      headers: req.headers as Record<string, string>,
      raw,
      body: JSON.parse(raw) as Received['body'],
      at: Date.now(),
    };
    this.received.push(received);
    const open = (this.inFlight.get(agent) ?? 0) + 1;
    this.inFlight.set(agent, open);
    this.mostInFlight.set(agent, Math.max(open, this.mostInFlight.get(agent) ?? 0));
    res.once('close', () => this.inFlight.set(agent, (this.inFlight.get(agent) ?? 1) - 1));
    const behaviour: Behaviour = this.behaviours.get(agent) ?? (() => ({ status: 200 }));
    const answer = behaviour(this.of(agent));
    if (answer.delayMs) {
      await sleep(answer.delayMs);
    }
    await answer.after;
    if (res.destroyed) {
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body ?? '');
  }
}

export interface AgentRow {
  id: string;
  webhookUrl: string;
  timeoutMs?: number;
  maxAttempts?: number;
  debounceMs?: number;
  historyMode?: 'none' | 'tail' | 'entire';
  historyLimit?: number | null;
  status?: 'enabled' | 'disabled';
  tenantId: string;
}

/** Registers an agent as the command's registry stores it (secret sealed); returns its signing secret. */
export async function insertAgent(db: Pool, secretsKey: string, agent: AgentRow): Promise<string> {
  const secret = newSigningSecret();
  await db.query(
    `INSERT INTO agents (tenant_id, id, webhook_url, headers, timeout_ms, max_attempts, history_mode, history_limit,
       debounce_ms, status, signing_secret)
     VALUES ($1, $2, $3, '{"x-agent-header": "from-registry"}', $4, $5, $6, $7, $8, $9, $10)`,
    [
      agent.tenantId,
      agent.id,
      agent.webhookUrl,
      agent.timeoutMs ?? 2000,
      agent.maxAttempts ?? 8,
      agent.historyMode ?? 'none',
      agent.historyLimit ?? null,
      agent.debounceMs ?? 0,
      agent.status ?? 'enabled',
      new SecretBox(secretsKey).seal(secret),
    ],
  );
  return secret;
}

export interface DeliveryRow {
  id: string;
  conversation_id: string;
  first_seq: string;
  last_seq: string;
  status: string;
  attempts: number;
  last_error: string | null;
  dead_lettered_at: Date | null;
  reply_appended_at: Date | null;
  messages: Array<{ seq: number }>;
}

export async function deliveriesOf(db: Pool, tenantId: string, agentId: string): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    'SELECT * FROM deliveries WHERE tenant_id = $1 AND agent_id = $2 ORDER BY conversation_id, first_seq',
    [tenantId, agentId],
  );
  return rows;
}

export interface AttemptRow {
  attempt: number;
  http_status: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
}

export async function attemptsOf(db: Pool, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    'SELECT * FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
    [deliveryId],
  );
  return rows;
}

/** Short timings so retries, circuits and polls take milliseconds. */
export const FAST_DISPATCH_ENV = {
  DISPATCHER_RETRY_BASE_MS: '100',
  DISPATCHER_RETRY_FACTOR: '2',
  DISPATCHER_RETRY_CAP_MS: '2000',
  DISPATCHER_CIRCUIT_FAILURES: '3',
  DISPATCHER_CIRCUIT_OPEN_MS: '1500',
  DISPATCHER_POLL_INTERVAL_MS: '50',
  DISPATCHER_AGENT_CONCURRENCY: '4',
};

/** A dispatcher process on the stack's topic and groups. */
export function dispatcherProcess(label: string, env: Record<string, string>, commandUrl: string): ServiceProcess {
  const port = allocatePort();
  return new ServiceProcess('dispatcher', `${label}-dispatcher`, port, {
    ...env,
    ...FAST_DISPATCH_ENV,
    DISPATCHER_PORT: String(port),
    DISPATCHER_DEAD_LETTER_TOPIC: `${env.KAFKA_TOPIC}.dead`,
    COMMAND_URL: commandUrl,
  });
}

/** The records on a dead-letter topic so far, read from the beginning to its current end. */
export async function readDeadLetters(topic: string): Promise<Array<Record<string, unknown>>> {
  return (await readRawTopic(topic)).map(
    ({ message }) => JSON.parse(message.value?.toString('utf8') ?? '{}') as Record<string, unknown>,
  );
}
