import { Module } from '@nestjs/common';
import { EventLogModule } from '../event-log/event-log.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { MessagesModule } from '../messages/messages.module';
import { LostRunResolver } from './lost-run.resolver';
import { RunCommitService } from './run-commit.service';
import { RunIdleReaper } from './run-idle-reaper';
import { RunIndexService } from './run-index.service';
import { RunRecordWriter } from './run-record-writer';
import { RunsController } from './runs.controller';
import { RunsService } from './runs.service';

@Module({
  imports: [HeadIndexModule, EventLogModule, MessagesModule],
  controllers: [RunsController],
  providers: [RunIndexService, RunRecordWriter, LostRunResolver, RunCommitService, RunIdleReaper, RunsService],
  exports: [RunsService],
})
export class RunsModule {}
