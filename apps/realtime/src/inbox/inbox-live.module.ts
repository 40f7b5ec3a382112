import { Module } from '@nestjs/common';
import { InboxReader } from '@threadline/persistence';
import { LiveModule } from '../live/live.module';
import { InboxDeltas } from './inbox-deltas';
import { ReadCursorListener } from './read-cursor-listener';

/** Live inbox deltas for the protocols: `inbox:{participant_id}` (Phoenix) and `/v1/participants/{id}/inbox/events` (SSE). */
@Module({
  imports: [LiveModule],
  providers: [InboxDeltas, InboxReader, ReadCursorListener],
  exports: [InboxDeltas],
})
export class InboxLiveModule {}
