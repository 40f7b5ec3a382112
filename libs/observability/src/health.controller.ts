import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ReadinessService } from './readiness.service';

@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when every check passes, else 503 naming the failing ones; answered through the HTTP adapter (Express or Fastify). */
  @Get('ready')
  async ready(@Res() res: object): Promise<void> {
    const report = await this.readiness.report();
    if (report.ready) {
      this.adapterHost.httpAdapter.reply(res, { status: 'ok', checks: report.checks }, HttpStatus.OK);
      return;
    }
    const failing = Object.entries(report.checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    const body = { status: 'unavailable', reason: `not ready: ${failing.join(', ')}`, checks: report.checks };
    this.adapterHost.httpAdapter.reply(res, body, HttpStatus.SERVICE_UNAVAILABLE);
  }
}
