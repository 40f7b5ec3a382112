import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { generateApiKey, hashApiKey } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { ApiKeyEntity } from '@threadline/persistence';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, toApiKeyView } from './api-key.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates, lists and revokes API keys; the key is returned once by create and stored only as its hash. */
@Injectable()
export class ApiKeysService {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async create(request: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const key = generateApiKey();
    const row = await this.keys.save(
      this.keys.create({
        id: randomUUID(),
        tenantId: request.tenant_id,
        subject: request.subject,
        scopes: [...new Set(request.scopes)],
        keyHash: hashApiKey(key),
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    const { id, tenant_id, subject, scopes, created_at } = toApiKeyView(row);
    return { id, key, tenant_id, subject, scopes, created_at };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toApiKeyView);
  }

  /** Revoking twice is harmless; every instance stops accepting the key within AUTH_KEY_CACHE_MS. */
  async revoke(id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.keys.existsBy({ id }))) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No API key ${id}`);
    }
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
