import { Module } from '@nestjs/common';
import { HeadIndexModule } from '../head-index/head-index.module';
import { TenantConversationQuota } from './tenant-conversation-quota';
import { TenantRateLimiter } from './tenant-rate-limiter';

/** Per-tenant limits shared by every command instance (Redis). */
@Module({
  imports: [HeadIndexModule],
  providers: [TenantRateLimiter, TenantConversationQuota],
  exports: [TenantRateLimiter, TenantConversationQuota],
})
export class TenantLimitsModule {}
