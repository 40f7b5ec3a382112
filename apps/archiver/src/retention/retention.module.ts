import { Module } from '@nestjs/common';
import { ArchiveModule } from '../archive/archive.module';
import { StorageModule } from '../storage/storage.module';
import { RetentionService } from './retention.service';

/** The periodic trim of archived rows from Postgres. */
@Module({
  imports: [StorageModule, ArchiveModule],
  providers: [RetentionService],
})
export class RetentionModule {}
