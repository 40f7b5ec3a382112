import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { RequireScopes } from '@threadline/auth';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import {
  ApiKeyView,
  CreateApiKeyDto,
  createApiKeySchema,
  CreatedApiKeyView,
  listApiKeysQuerySchema,
} from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@Controller('v1/admin/api-keys')
@RequireScopes('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  create(
    @Body(new ZodValidationPipe(createApiKeySchema, 'bad_request')) body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyView> {
    return this.apiKeys.create(body);
  }

  @Get()
  async list(
    @Query(new ZodValidationPipe(listApiKeysQuerySchema, 'invalid_query')) query: { tenant_id: string },
  ): Promise<{ api_keys: ApiKeyView[] }> {
    return { api_keys: await this.apiKeys.list(query.tenant_id) };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  revoke(@Param('id') id: string): Promise<void> {
    return this.apiKeys.revoke(id);
  }
}
