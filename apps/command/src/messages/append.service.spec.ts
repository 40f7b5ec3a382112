import { loadConfig } from '@threadline/config';
import { MetricsService } from '@threadline/observability';
import { commandConfigSchema } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher.service';
import { ConversationDirectory } from '../head-index/conversation-directory.service';
import { AppendDecision, HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { AppendService } from './append.service';

const CONVERSATION = 'conv-1';
const DTO = { message: { role: 'user', parts: [{ type: 'text', text: 'hello' }] } };

/** A head index that reserves seq 7 and whose acknowledgement mark the test settles by hand. */
class FakeIndex {
  marks: Array<{ seq: number; settle: (error?: Error) => void }> = [];

  async decideAppend(): Promise<AppendDecision> {
    return { kind: 'reserved', seq: 7, pendingMember: 'm' };
  }

  acknowledgeAppend(_conversationId: string, seq: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.marks.push({ seq, settle: (error) => (error ? reject(error) : resolve()) });
    });
  }
}

function service(index: FakeIndex): { append: AppendService; metrics: MetricsService } {
  const metrics = new MetricsService({ service: 'command', logLevel: 'silent' });
  const publisher = { publish: async () => undefined } as unknown as EventPublisher;
  const append = new AppendService(
    index as unknown as HeadIndexService,
    {} as ConversationDirectory,
    publisher,
    {} as ProjectionLookupService,
    loadConfig(commandConfigSchema, {}),
    metrics,
  );
  return { append, metrics };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AppendService acknowledgement mark', () => {
  it('answers once Kafka has the event, without waiting for the mark in Redis', async () => {
    const index = new FakeIndex();
    const { append } = service(index);
    await expect(append.append(CONVERSATION, DTO)).resolves.toMatchObject({ seq: 7, deduped: false });
    expect(index.marks.map((m) => m.seq)).toEqual([7]);
  });

  it('still answers when the mark fails, and counts the failure', async () => {
    const index = new FakeIndex();
    const { append, metrics } = service(index);
    await expect(append.append(CONVERSATION, DTO)).resolves.toMatchObject({ seq: 7 });
    index.marks[0].settle(new Error('connection closed'));
    await tick();
    const failures = await metrics.registry.getSingleMetricAsString('threadline_command_ack_mark_failures_total');
    expect(failures).toMatch(/threadline_command_ack_mark_failures_total\{service="command"\} 1/);
  });

  it('shutdown waits for the marks still in flight', async () => {
    const index = new FakeIndex();
    const { append } = service(index);
    await append.append(CONVERSATION, DTO);
    let shutDown = false;
    const shutdown = append.onApplicationShutdown().then(() => {
      shutDown = true;
    });
    await tick();
    expect(shutDown).toBe(false);
    index.marks[0].settle();
    await shutdown;
    expect(shutDown).toBe(true);
  });
});
