import { DataSource } from 'typeorm';
import { ApiError } from '@threadline/errors';
import { ApiKeyEntity, dataSourceOptions } from '@threadline/persistence';
import { formatJsonPath } from '@threadline/contracts';
import { CommandConfig } from '../config/command.config';
import { createApiKeySchema, listApiKeysQuerySchema } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

const USAGE = `usage: main.js api-keys create --tenant <tenant_id> --subject <user|agent|service>:<id> --scopes <scope>[,<scope>...]
       main.js api-keys list --tenant <tenant_id>
       main.js api-keys revoke <id>`;

/**
 * The operator's path to API keys without an API key (docs/operations.md): the
 * first admin key is minted here, straight in Postgres. Each answer is one JSON
 * line, the same body the admin routes answer with.
 */
export async function runApiKeysCommand(config: CommandConfig, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const dataSource = new DataSource(dataSourceOptions(config.postgres));
  await dataSource.initialize();
  try {
    const service = new ApiKeysService(dataSource.getRepository(ApiKeyEntity));
    switch (verb) {
      case 'create': {
        const request = createApiKeySchema.safeParse({
          tenant_id: option(rest, '--tenant'),
          subject: option(rest, '--subject'),
          scopes: option(rest, '--scopes')?.split(',').filter(Boolean),
        });
        if (!request.success) {
          return usage(request.error.issues[0]);
        }
        print(await service.create(request.data));
        return 0;
      }
      case 'list': {
        const query = listApiKeysQuerySchema.safeParse({ tenant_id: option(rest, '--tenant') });
        if (!query.success) {
          return usage(query.error.issues[0]);
        }
        print({ api_keys: await service.list(query.data.tenant_id) });
        return 0;
      }
      case 'revoke':
        await service.revoke(rest[0] ?? '');
        print({ id: rest[0], revoked: true });
        return 0;
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ApiError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function usage(issue: { path: PropertyKey[]; message: string }): number {
  process.stderr.write(`${formatJsonPath(issue.path)}: ${issue.message}\n${USAGE}\n`);
  return 2;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
