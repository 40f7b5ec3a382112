import { Module } from '@nestjs/common';
import { HeadIndexModule } from '../head-index/head-index.module';
import { ReadQueryPipes } from './read-query.pipes';
import { ReadsController } from './reads.controller';
import { ReadsService } from './reads.service';

/** Reads live in the command app so clients have one base URL for writes and reads. */
@Module({
  imports: [HeadIndexModule],
  controllers: [ReadsController],
  providers: [ReadsService, ReadQueryPipes],
  exports: [ReadsService],
})
export class ReadsModule {}
