import { Module } from '@nestjs/common';
import { WebhookClient } from './webhook-client';

/** Signed Standard Webhooks requests to agents. */
@Module({ providers: [WebhookClient], exports: [WebhookClient] })
export class WebhookModule {}
