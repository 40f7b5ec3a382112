import { Module } from '@nestjs/common';
import { EventLogModule } from '../event-log/event-log.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { ReadsModule } from '../reads/reads.module';
import { TenantLimitsModule } from '../tenant-limits/tenant-limits.module';
import { ForkListReader } from './fork-list.reader';
import { ForksController } from './forks.controller';
import { ForksService } from './forks.service';

@Module({
  imports: [HeadIndexModule, EventLogModule, ReadsModule, TenantLimitsModule],
  controllers: [ForksController],
  providers: [ForksService, ForkListReader],
})
export class ForksModule {}
