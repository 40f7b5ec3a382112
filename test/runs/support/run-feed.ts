import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { encodeRunRecord, RunFinishedRecord, RunRecord } from '@threadline/contracts';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../../support/test-env';

/** One run of a conversation, as the command writes it to the runs topic. */
export class HandRun {
  readonly runId = `run_${randomUUID().replace(/-/g, '')}`;

  constructor(
    readonly tenantId: string,
    readonly conversationId: string,
  ) {}

  private envelope() {
    return {
      schema_version: 1 as const,
      event_id: randomUUID(),
      tenant_id: this.tenantId,
      conversation_id: this.conversationId,
      run_id: this.runId,
      occurred_at: new Date().toISOString(),
    };
  }

  started(): RunRecord {
    return { ...this.envelope(), type: 'run.started', data: { actor: 'agent:writer', parent_seq: null, metadata: {} } };
  }

  /** Text deltas `from..to` as one batch (`d<run_seq>` each). */
  deltas(from: number, to: number): RunRecord {
    const events = Array.from({ length: to - from + 1 }, (_, i) => ({
      kind: 'text-delta' as const,
      delta: `d${from + i}`,
    }));
    return { ...this.envelope(), type: 'run.events', data: { from_run_seq: from, events } };
  }

  finished(status: RunFinishedRecord['data']['status'], lastRunSeq: number, messageSeqs: number[]): RunRecord {
    return {
      ...this.envelope(),
      type: 'run.finished',
      data: {
        status,
        reason: status === 'committed' ? null : 'requested',
        message: null,
        last_run_seq: lastRunSeq,
        message_seqs: messageSeqs,
      },
    };
  }
}

/** Produces run records straight to the test's runs topic, as the command does (keyed by conversation). */
export class RunFeed {
  private readonly producer: Producer;

  constructor(private readonly topic: string) {
    const kafka = new Kafka({
      clientId: 'runs-test-feed',
      brokers: TEST_KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(...records: RunRecord[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: records.map((r) => encodeRunRecord(r)) });
  }
}

/** Writes the `runs` and `run_events` rows directly, standing in for the projector's runs consumer. */
export class RunRows {
  private readonly db = new Client({ connectionString: TEST_DATABASE_URL });

  async connect(): Promise<void> {
    await this.db.connect();
  }

  async disconnect(): Promise<void> {
    await this.db.end();
  }

  async started(run: HandRun): Promise<void> {
    await this.db.query(
      `INSERT INTO runs (tenant_id, run_id, conversation_id, status, actor, created_at)
       VALUES ($1, $2, $3, 'streaming', 'agent:writer', now())`,
      [run.tenantId, run.runId, run.conversationId],
    );
  }

  /** The text deltas `from..to` of the run, and its last_run_seq. */
  async deltas(run: HandRun, from: number, to: number): Promise<void> {
    const seqs = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const bodies = seqs.map((seq) => JSON.stringify({ kind: 'text-delta', delta: `d${seq}` }));
    await this.db.query(
      `INSERT INTO run_events (tenant_id, run_id, run_seq, kind, body, created_at)
       SELECT $1, $2, s, 'text-delta', b::jsonb, now() FROM unnest($3::bigint[], $4::text[]) AS t(s, b)
       ON CONFLICT DO NOTHING`,
      [run.tenantId, run.runId, seqs, bodies],
    );
    await this.db.query(
      `UPDATE runs SET last_run_seq = GREATEST(last_run_seq, $3) WHERE tenant_id = $1 AND run_id = $2`,
      [run.tenantId, run.runId, to],
    );
  }

  async finished(run: HandRun, status: string, messageSeqs: number[]): Promise<void> {
    await this.db.query(
      `UPDATE runs SET status = $3, message_seqs = $4, finished_at = now() WHERE tenant_id = $1 AND run_id = $2`,
      [run.tenantId, run.runId, status, messageSeqs],
    );
  }
}
