import { DataSource } from 'typeorm';
import { PostgresConfig } from '@threadline/config';
import { dataSourceOptions } from './data-source-options';

/** Applies pending migrations; returns the names applied. */
export async function runMigrations(config: PostgresConfig): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
