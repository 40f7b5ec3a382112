import { encodeRunRecord } from '@threadline/contracts';
import { KafkaMessage } from '@threadline/kafka';
import { MetricsService } from '@threadline/observability';
import { runStarted, textDeltas } from '../../../../test/support/run-records';
import { RunsChunkProjector } from './runs-chunk-projector';
import { RunsMetrics } from './runs-metrics';
import { RunsChunk, RunsChunkOutcome, RunsWriter } from './runs-writer';

/** A writer that refuses, as Postgres would refuse data (SQLSTATE 22008), every chunk holding a decoded record at `refusedOffset`. */
class RefusingWriter {
  readonly written: RunsChunk[] = [];

  constructor(
    private readonly refusedOffset: number,
    private readonly sqlState = '22008',
  ) {}

  async write(chunk: RunsChunk): Promise<RunsChunkOutcome> {
    if (chunk.records.some((r) => r.offset === this.refusedOffset && r.kind === 'record')) {
      throw Object.assign(new Error('date/time field value out of range'), { code: this.sqlState });
    }
    this.written.push(chunk);
    return {
      nextOffset: chunk.endOffset,
      plan: { starts: [], events: [], changes: [], skipped: [], unevenEnds: [], poison: [] },
    };
  }
}

function messages(): KafkaMessage[] {
  const records = [runStarted('c', 'run_a'), textDeltas('c', 'run_a', 1, 1), textDeltas('c', 'run_a', 2, 2)];
  return records.map((record, offset) => {
    const encoded = encodeRunRecord(record);
    return { offset: String(offset), key: Buffer.from(encoded.key), value: encoded.value } as KafkaMessage;
  });
}

function projectorWith(writer: RefusingWriter) {
  const metrics = new RunsMetrics(new MetricsService({ service: 'projector', logLevel: 'silent' }));
  return new RunsChunkProjector(writer as unknown as RunsWriter, metrics);
}

describe('RunsChunkProjector', () => {
  it('writes a chunk Postgres refuses as data one record at a time, quarantining only the refused record', async () => {
    const writer = new RefusingWriter(1);

    const outcome = await projectorWith(writer).project(0, messages());

    expect(outcome.nextOffset).toBe(3);
    expect(writer.written.map((c) => [c.startOffset, c.endOffset, c.records[0].kind])).toEqual([
      [0, 1, 'record'],
      [1, 2, 'poison'],
      [2, 3, 'record'],
    ]);
    expect(writer.written[1].records[0]).toMatchObject({ reason: expect.stringContaining('postgres refused') });
  });

  it('lets an outage through for the consumer to retry, quarantining nothing', async () => {
    const writer = new RefusingWriter(1, '57P01');

    await expect(projectorWith(writer).project(0, messages())).rejects.toThrow('out of range');
    expect(writer.written).toEqual([]);
  });

  it('quarantines a record that does not decode without asking Postgres twice', async () => {
    const writer = new RefusingWriter(-1);
    const garbage = { ...messages()[0], value: Buffer.from('{"not json') } as KafkaMessage;

    await projectorWith(writer).project(0, [garbage]);

    expect(writer.written.map((c) => c.records.map((r) => r.kind))).toEqual([['poison']]);
  });
});
