import { Logger } from '@nestjs/common';
import type { KafkaMessage } from '@threadline/kafka';
import { appendedEvent, indexFenced, kafkaMessage } from '../../../../test/support/event-builder';
import { ChunkProjector } from './chunk-projector';
import type { ChunkInput, ChunkOutcome, ProjectionWriter } from './projection-writer';
import type { ProjectorMetrics } from './projector-metrics';

const appended = (seq: number, epoch: number) => appendedEvent('a', seq, 'x', epoch);

const fence = kafkaMessage(indexFenced(2));

function message(offset: number, value: Buffer): KafkaMessage {
  return { offset: String(offset), value, key: null, timestamp: '1764460800000' } as unknown as KafkaMessage;
}

const outcome = (chunk: ChunkInput, fenced: ChunkOutcome['fenced'] = []): ChunkOutcome => ({
  nextOffset: chunk.endOffset,
  applied: new Map(),
  replayed: 0,
  fenced,
  quarantined: [],
});

/** A writer that refuses any chunk of more than one record as data, and records every chunk it is given. */
function refusingWriter(chunks: ChunkInput[]): ProjectionWriter {
  return {
    write: async (chunk: ChunkInput) => {
      chunks.push(chunk);
      if (chunk.records.length > 1) {
        throw Object.assign(new Error('invalid input syntax'), { code: '22P02' });
      }
      return outcome(chunk);
    },
  } as unknown as ProjectionWriter;
}

function metrics(fenced: jest.Mock): ProjectorMetrics {
  return {
    transactionSeconds: { startTimer: () => () => undefined },
    events: { inc: jest.fn() },
    replayed: { inc: jest.fn() },
    poison: { inc: jest.fn() },
    fenced: { inc: fenced },
  } as unknown as ProjectorMetrics;
}

describe('ChunkProjector', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
  });

  it('hands the writer every record, fence records included, so the stored fence follows the partition', async () => {
    const chunks: ChunkInput[] = [];
    const writer = { write: async (chunk: ChunkInput) => (chunks.push(chunk), outcome(chunk)) };
    const projector = new ChunkProjector(writer as unknown as ProjectionWriter, metrics(jest.fn()));
    await projector.project(0, [message(7, kafkaMessage(appended(1, 1)).value), message(8, fence.value)]);
    expect(chunks.map((c) => c.records.map((r) => [r.offset, r.record.kind]))).toEqual([
      [
        [7, 'event'],
        [8, 'fence'],
      ],
    ]);
  });

  it('writes a chunk Postgres refuses one record per transaction, the fence record in its own, in offset order', async () => {
    const chunks: ChunkInput[] = [];
    const projector = new ChunkProjector(refusingWriter(chunks), metrics(jest.fn()));
    const messages = [
      message(10, kafkaMessage(appended(1, 1)).value),
      message(11, fence.value),
      message(12, kafkaMessage(appended(2, 1)).value),
    ];
    const result = await projector.project(0, messages);
    expect(result.nextOffset).toBe(13);
    expect(chunks.slice(1).map((c) => [c.startOffset, c.endOffset, c.records.map((r) => r.record.kind)])).toEqual([
      [10, 11, ['event']],
      [11, 12, ['fence']],
      [12, 13, ['event']],
    ]);
  });

  it('counts each event the writer reports as fenced', async () => {
    const fenced = jest.fn();
    const writer = {
      write: async (chunk: ChunkInput) =>
        outcome(chunk, [{ offset: 12, tenantId: 'default', conversationId: 'a', seq: 2, epoch: 1, fence: 2 }]),
    };
    const projector = new ChunkProjector(writer as unknown as ProjectionWriter, metrics(fenced));
    await projector.project(0, [message(12, kafkaMessage(appended(2, 1)).value)]);
    expect(fenced).toHaveBeenCalledTimes(1);
  });
});
