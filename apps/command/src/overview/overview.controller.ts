import { Controller, Get } from '@nestjs/common';
import { RequireScopes } from '@threadline/auth';
import { OverviewView } from './overview.dto';
import { OverviewService } from './overview.service';

/** Platform-wide health numbers for the console's overview: scope admin, like every /v1/admin route. */
@Controller('v1/admin/overview')
@RequireScopes('admin')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  get(): Promise<OverviewView> {
    return this.overview.overview();
  }
}
