import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService } from './readiness.service';

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.readiness.report();
    if (report.ready) {
      res.status(HttpStatus.OK).json({ status: 'ok', checks: report.checks });
      return;
    }
    const failing = Object.entries(report.checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
      status: 'unavailable',
      reason: `not ready: ${failing.join(', ')}`,
      checks: report.checks,
    });
  }
}
