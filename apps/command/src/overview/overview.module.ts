import { Module } from '@nestjs/common';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

/** GET /v1/admin/overview: a summary of the services' own metrics (the console's Overview). */
@Module({ controllers: [OverviewController], providers: [OverviewService] })
export class OverviewModule {}
