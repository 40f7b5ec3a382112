import { Inject, Injectable } from '@nestjs/common';
import { RunRecord } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { RunIndexService, RunKey } from './run-index.service';

/**
 * Produces a run's pending record to the runs topic and, once Kafka has it,
 * clears it in the run index. A failed produce leaves the record pending (the
 * next operation on the run produces it first) and answers 503.
 */
@Injectable()
export class RunRecordWriter {
  constructor(
    private readonly index: RunIndexService,
    private readonly publisher: EventPublisher,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async write(run: RunKey, token: string, recordJson: string): Promise<void> {
    const record = JSON.parse(recordJson) as RunRecord;
    try {
      await this.publisher.publishRunRecord(record, this.config.append.ackTimeoutMs);
    } catch {
      await this.index.release(run, token).catch(() => undefined);
      throw ApiError.unavailable('kafka_unavailable', 'The runs topic did not acknowledge; retry', 1);
    }
    await this.index.acknowledge(run, token, record.event_id);
  }

  /** The lease of an operation that does all its writes within one produce, with margin. */
  get operationLeaseMs(): number {
    return 2 * this.config.append.ackTimeoutMs + 1000;
  }

  /** The lease of a commit: the wait for the projector, the append, the run.finished, with margin. */
  get commitLeaseMs(): number {
    return this.config.runs.commitWaitMs + 3 * this.config.append.ackTimeoutMs + 1000;
  }
}
