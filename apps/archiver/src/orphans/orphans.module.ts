import { Module } from '@nestjs/common';
import { ArchiveModule } from '../archive/archive.module';
import { OrphanIndex } from './orphan-index';
import { OrphanSweeper } from './orphan-sweeper';

/** The periodic deletion of store objects the archive index will never name. */
@Module({
  imports: [ArchiveModule],
  providers: [OrphanIndex, OrphanSweeper],
})
export class OrphansModule {}
