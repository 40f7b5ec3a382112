import { z } from 'zod';

export const CIRCUIT_STATES = ['closed', 'half_open', 'open'] as const;

/** GET /v1/admin/overview: counters since each service started, and gauges now; the page derives rates. */
export const overviewViewSchema = z.object({
  at: z.string().describe('when the command gathered these values'),
  services: z
    .record(z.string(), z.enum(['up', 'down']))
    .describe("whether each scraped service's /metrics answered (the command itself is always up)"),
  appends_total: z.number().describe('acknowledged appends on this command instance (outcome appended)'),
  deliveries_total: z.object({ succeeded: z.number(), failed: z.number(), dead: z.number() }),
  projection_lag_events: z.number().nullable().describe('null while the projector does not answer'),
  archive_lag_events: z.number().nullable().describe('null while the archiver does not answer'),
  archived_events_total: z.number().nullable(),
  circuits: z.array(z.object({ agent: z.string(), state: z.enum(CIRCUIT_STATES) })),
});

export type OverviewView = z.infer<typeof overviewViewSchema>;
