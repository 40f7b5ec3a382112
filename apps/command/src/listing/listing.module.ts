import { Module } from '@nestjs/common';
import { ConversationListingService } from './conversation-listing.service';

/** Listing a tenant's conversations (as sessions or as conversations) from the projection. */
@Module({
  providers: [ConversationListingService],
  exports: [ConversationListingService],
})
export class ListingModule {}
