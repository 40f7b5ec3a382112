import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { PostgresConfig } from '@threadline/config';
import { AgentEntity } from './entities/agent.entity';
import { ApiKeyEntity } from './entities/api-key.entity';
import { ArchiveIndexEntity } from './entities/archive-index.entity';
import { ArchiveSegmentEntity } from './entities/archive-segment.entity';
import { ConsumerOffsetEntity } from './entities/consumer-offset.entity';
import { ConversationEntity } from './entities/conversation.entity';
import { ConversationParticipantEntity } from './entities/conversation-participant.entity';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { MessageEntity } from './entities/message.entity';
import { ProducerPairEntity } from './entities/producer-pair.entity';
import { ReadCursorEntity } from './entities/read-cursor.entity';
import { RunEventEntity } from './entities/run-event.entity';
import { RunEntity } from './entities/run.entity';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema';
import { ArchiveIndex1763990000000 } from './migrations/1763990000000-archive-index';
import { QuarantinedRecords1764500000000 } from './migrations/1764500000000-quarantined-records';
import { IndexFence1764600000000 } from './migrations/1764600000000-index-fence';
import { ContiguousWatermark1764600100000 } from './migrations/1764600100000-contiguous-watermark';
import { ProducerPairs1764600200000 } from './migrations/1764600200000-producer-pairs';
import { ApiKeys1764700000000 } from './migrations/1764700000000-api-keys';
import { Tenants1764800000000 } from './migrations/1764800000000-tenants';
import { Agents1764900000000 } from './migrations/1764900000000-agents';
import { Deliveries1764910000000 } from './migrations/1764910000000-deliveries';
import { ReadCursors1764920000000 } from './migrations/1764920000000-read-cursors';
import { Runs1765000000000 } from './migrations/1765000000000-runs';
import { Sessions1765100000000 } from './migrations/1765100000000-sessions';
import { Forks1765200000000 } from './migrations/1765200000000-forks';
import { StreamingRuns1765300000000 } from './migrations/1765300000000-streaming-runs';
import { DispatchSeqs1765400000000 } from './migrations/1765400000000-dispatch-seqs';

export const ENTITIES = [
  ConversationEntity,
  MessageEntity,
  ConsumerOffsetEntity,
  ArchiveSegmentEntity,
  ArchiveIndexEntity,
  ProducerPairEntity,
  ApiKeyEntity,
  AgentEntity,
  ConversationParticipantEntity,
  DeliveryEntity,
  DeliveryAttemptEntity,
  ReadCursorEntity,
  RunEntity,
  RunEventEntity,
];
export const MIGRATIONS = [
  InitialSchema1763900000000,
  ArchiveIndex1763990000000,
  QuarantinedRecords1764500000000,
  IndexFence1764600000000,
  ContiguousWatermark1764600100000,
  ProducerPairs1764600200000,
  ApiKeys1764700000000,
  Tenants1764800000000,
  Agents1764900000000,
  Deliveries1764910000000,
  ReadCursors1764920000000,
  Runs1765000000000,
  Sessions1765100000000,
  Forks1765200000000,
  StreamingRuns1765300000000,
  DispatchSeqs1765400000000,
];

/** The schema is owned by migrations: never `synchronize`. */
export function dataSourceOptions(config: PostgresConfig): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: config.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: config.poolSize, connectionTimeoutMillis: 5000, pipeline: config.pipeline ?? false },
  };
}
