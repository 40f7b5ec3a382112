import { Logger } from '@nestjs/common';
import { EachBatchPayload } from '@threadline/kafka';
import { BatchPlan, FencedPosition, PartitionPositions } from './partition-positions';

/** Where a live consumer starts a partition, and the earliest offset Kafka still has of it (FanoutStart). */
export interface LiveStart {
  of(topic: string, partition: number): Promise<FencedPosition>;
  earliestOffset(topic: string, partition: number): Promise<number>;
}

export type LiveBatchStep = { kind: 'seek'; offset: string } | { kind: 'deliver'; from: number };

/**
 * What a live consumer does with a fetched batch (PartitionPositions.plan), with
 * what the plan leaves to the caller: where a partition it has no position for
 * starts, and a second seek to the same position between two joins of the group. Then
 * the batch started past the position again although the consumer went back
 * there: either Kafka no longer has those offsets (retention), and the partition
 * starts again where the projector stands, or they hold no message, and the
 * consumer goes on from the batch's first one. Nothing is ever passed over that
 * Kafka still has as a message.
 */
export async function planLiveBatch(
  positions: PartitionPositions,
  start: LiveStart,
  batch: EachBatchPayload['batch'],
  logger: Logger,
): Promise<LiveBatchStep> {
  const { topic, partition } = batch;
  const offsets = batch.messages.map((m) => m.offset);
  let plan = positions.plan(partition, offsets);
  if (plan.kind === 'locate') {
    const fetchedAt = batch.firstOffset();
    const position = await start.of(topic, partition);
    positions.start(partition, position, fetchedAt);
    logger.log(
      `partition ${partition}: starting at offset ${position.nextOffset} with index fence ${position.indexFence} ` +
        `(the projector's position; the fetch started at ${fetchedAt})`,
    );
    return step(positions.plan(partition, offsets));
  }
  if (plan.kind === 'seek' && plan.again) {
    const earliest = await start.earliestOffset(topic, partition);
    if (earliest > Number(plan.offset)) {
      logger.warn(
        `partition ${partition}: offsets ${plan.offset} to ${earliest - 1} are gone from Kafka (retention); ` +
          'starting again where the projector stands',
      );
      positions.forget(partition);
      return planLiveBatch(positions, start, batch, logger);
    }
    logger.warn(
      `partition ${partition}: went back to offset ${plan.offset} and the fetch began at ${offsets[0]} again: ` +
        'the offsets between hold no message; going on from there',
    );
    plan = positions.passOver(partition, offsets);
  } else if (plan.kind === 'seek') {
    logger.warn(`partition ${partition}: fetch resumed at ${offsets[0]} after a rejoin; going back to ${plan.offset}`);
  }
  return step(plan);
}

/** A plan with a position known: go back, or hand on the batch from an index. */
function step(plan: BatchPlan): LiveBatchStep {
  switch (plan.kind) {
    case 'seek':
      return { kind: 'seek', offset: plan.offset };
    case 'deliver':
      return plan;
    case 'locate':
      throw new Error('a located partition has a position');
  }
}
