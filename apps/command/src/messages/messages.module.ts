import { Module } from '@nestjs/common';
import { EventLogModule } from '../event-log/event-log.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { TenantLimitsModule } from '../tenant-limits/tenant-limits.module';
import { AppendController } from './append.controller';
import { AppendService } from './append.service';

@Module({
  imports: [HeadIndexModule, EventLogModule, TenantLimitsModule],
  controllers: [AppendController],
  providers: [AppendService],
  exports: [AppendService],
})
export class MessagesModule {}
