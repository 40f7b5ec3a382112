import { Module } from '@nestjs/common';
import { HeadIndexModule } from '../head-index/head-index.module';
import { RunReadsController } from './run-reads.controller';
import { RunReadsService } from './run-reads.service';
import { RunStreamController } from './run-stream.controller';
import { RunsService } from './runs.service';
import { RunStreamService } from './ui-message-stream/run-stream.service';

@Module({
  imports: [HeadIndexModule],
  controllers: [RunReadsController, RunStreamController],
  providers: [RunsService, RunReadsService, RunStreamService],
  exports: [RunsService],
})
export class RunsModule {}
