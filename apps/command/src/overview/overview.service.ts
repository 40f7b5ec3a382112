import { Inject, Injectable } from '@nestjs/common';
import { MetricsService } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { OverviewView } from './overview.dto';
import { summarize } from './overview-summary';
import { parsePrometheusText, Sample } from './prometheus-text';

/** How long one service's /metrics may take before it counts as down for this overview. */
const SCRAPE_TIMEOUT_MS = 2000;

/**
 * The admin overview: the command's own metrics and those of the services named in OVERVIEW_METRICS_URLS, read
 * from their /metrics endpoints (Prometheus text), summed into a few numbers. Nothing is kept between calls.
 */
@Injectable()
export class OverviewService {
  constructor(
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    private readonly metrics: MetricsService,
  ) {}

  async overview(): Promise<OverviewView> {
    const own = parsePrometheusText(await this.metrics.registry.metrics());
    const scraped = await Promise.all(
      Object.entries(this.config.overview.metricsUrls).map(async ([service, url]) => [service, await scrape(url)]),
    );
    return summarize(own, Object.fromEntries(scraped) as Record<string, Sample[] | null>, new Date());
  }
}

async function scrape(url: string): Promise<Sample[] | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return res.ok ? parsePrometheusText(await res.text()) : null;
  } catch {
    return null;
  }
}
