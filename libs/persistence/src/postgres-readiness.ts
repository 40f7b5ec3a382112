import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadinessService } from '@threadline/observability';

/** Readiness check 'postgres': the database answers. Every service that uses PersistenceModule has it. */
@Injectable()
export class PostgresReadiness {
  constructor(dataSource: DataSource, readiness: ReadinessService) {
    readiness.register('postgres', async () => {
      await dataSource.query('SELECT 1');
      return { ok: true };
    });
  }
}
