import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { runMigrations } from '@threadline/persistence';
import { projectorConfigSchema, ProjectorConfig } from './config/projector.config';
import { ProjectorModule } from './projector.module';
import { runQuarantineCommand } from './quarantine/quarantine-cli';

/**
 * `main.js migrate` applies pending migrations and exits: the migration job run before a rollout.
 * `main.js quarantine ...` is the operator's path for poison records (docs/operations.md).
 */
async function migrate(config: ProjectorConfig): Promise<void> {
  try {
    const applied = await runMigrations(config.postgres);
    process.stdout.write(
      applied.length > 0 ? `applied migrations: ${applied.join(', ')}\n` : 'no pending migrations\n',
    );
    process.exit(0);
  } catch (error) {
    process.stderr.write(`migration failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(projectorConfigSchema);
  if (process.argv[2] === 'migrate') {
    return migrate(config);
  }
  if (process.argv[2] === 'quarantine') {
    process.exit(
      await runQuarantineCommand(config, process.argv.slice(3), process.env.THREADLINE_ADMIN_KEY || undefined),
    );
  }
  await bootstrapService({ module: ProjectorModule.forRoot(config), host: config.http.host, port: config.http.port });
}

void main();
