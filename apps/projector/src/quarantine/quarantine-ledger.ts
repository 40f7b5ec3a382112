import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runStatement } from '@threadline/persistence';
import { ReadinessService } from '@threadline/observability';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { countOpenQuarantined } from './quarantine-statements';

/**
 * Shows quarantined records on `/health/ready` (check `poison`): they never make
 * the projector unready (its partitions keep moving), but an operator sees the
 * count and takes the operator path in docs/operations.md.
 */
@Injectable()
export class QuarantineLedger {
  constructor(dataSource: DataSource, readiness: ReadinessService, @Inject(PROJECTOR_CONFIG) config: ProjectorConfig) {
    const scope = { consumer: config.projection.groupId, topic: config.kafka.topic };
    readiness.register('poison', async () => {
      const [row] = await runStatement<{ open: number }[]>(dataSource.manager, countOpenQuarantined(scope));
      return { ok: true, detail: { quarantined: row.open } };
    });
  }
}
