import { Module } from '@nestjs/common';
import { HeadIndexModule } from '../head-index/head-index.module';
import { AppendRateLimitGuard } from './append-rate-limit.guard';
import { TenantRateLimiter } from './tenant-rate-limiter';

/** Per-tenant limits shared by every command instance (Redis). */
@Module({
  imports: [HeadIndexModule],
  providers: [TenantRateLimiter, AppendRateLimitGuard],
  exports: [TenantRateLimiter, AppendRateLimitGuard],
})
export class TenantLimitsModule {}
