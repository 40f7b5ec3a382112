import { randomBytes } from 'node:crypto';
import { loadConfig } from '@threadline/config';
import { ConversationEvent, decodeRecord, encodeEvent, MessageAppendedEvent } from '@threadline/contracts';
import { MetricsService } from '@threadline/observability';
import { messageRowContentHash } from '@threadline/persistence';
import { KafkaMessage } from '@threadline/kafka';
import { planChunk } from '../../../projector/src/projection/batch-plan';
import { commandConfigSchema } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { AppendDecision, AppendRequest, HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { TenantRateLimiter } from '../tenant-limits/tenant-rate-limiter';
import { AppendService } from './append.service';
import { AppendMessageDto } from './append-message.dto';

/** Runs a real append body through AppendService; returns the hash it decided with and the event it produced. */
async function appendThroughCommand(dto: AppendMessageDto): Promise<{ hash: string; event: MessageAppendedEvent }> {
  let request: AppendRequest | null = null;
  let produced: ConversationEvent | null = null;
  const index = {
    decideAppend: async (req: AppendRequest): Promise<AppendDecision> => {
      request = req;
      return { kind: 'reserved', seq: 3, epoch: 1 };
    },
    acknowledgeAppend: async () => 'ok' as const,
  };
  const publisher = {
    publish: async (event: ConversationEvent) => {
      produced = event;
    },
  };
  const config = loadConfig(commandConfigSchema, {
    AUTH_MODE: 'none',
    AGENT_SECRETS_KEY: randomBytes(32).toString('base64'),
  });
  const append = new AppendService(
    index as unknown as HeadIndexService,
    {} as ConversationDirectory,
    publisher as unknown as EventPublisher,
    {} as ProjectionLookupService,
    new TenantRateLimiter(config),
    config,
    new MetricsService({ service: 'command', logLevel: 'silent' }),
  );
  await append.append({ tenantId: 'default', conversationId: 'conv-hash' }, 'service:anonymous', dto, null);
  return { hash: (request as AppendRequest | null)!.contentHash, event: produced! as MessageAppendedEvent };
}

/** What the projector keeps for the event: decoded from the topic's bytes, planned into a message row, hashed. */
function projectedHash(event: ConversationEvent): string {
  const encoded = encodeEvent(event);
  const message = { key: Buffer.from(encoded.key), value: encoded.value, offset: '0', timestamp: '0' } as KafkaMessage;
  const decoded = decodeRecord(message);
  if (decoded.kind !== 'event') {
    throw new Error(`the event did not decode: ${decoded.kind}`);
  }
  const [row] = planChunk([{ offset: 0, record: decoded }], { nextOffset: 0, indexFence: 0 }).messages;
  return messageRowContentHash(row);
}

const BODIES: Array<[string, AppendMessageDto]> = [
  [
    'a bare text message (metadata and token_count filled in by the command)',
    {
      message: { role: 'user', parts: [{ type: 'text', text: 'hello' }] },
      producer_id: 'worker-1',
      producer_seq: 1,
    },
  ],
  [
    'a message with metadata, a token count and parts of several types, keys in any order',
    {
      message: {
        token_count: 42,
        metadata: { z: 1, a: { nested: [1, 2.5, 'x', null, true] } },
        parts: [
          { text: 'let me check', type: 'reasoning' },
          { type: 'tool_call', name: 'search', tool_call_id: 'c1', args: { q: 'ünïcödé ✓' } },
          { type: 'x-custom', payload: { deep: { deeper: [] } } },
        ],
        role: 'assistant',
      },
      producer_id: 'worker-2',
      producer_seq: 9,
    },
  ],
];

describe('the producer-pair content hash', () => {
  it.each(BODIES)('is the same in the projector as in the command for %s', async (_name, dto) => {
    const { hash, event } = await appendThroughCommand(dto);
    expect(projectedHash(event)).toBe(hash);
  });

  it('differs when the content differs', async () => {
    const { hash } = await appendThroughCommand(BODIES[0][1]);
    const { event } = await appendThroughCommand({
      ...BODIES[0][1],
      message: { role: 'user', parts: [{ type: 'text', text: 'hello!' }] },
    });
    expect(projectedHash(event)).not.toBe(hash);
  });
});
