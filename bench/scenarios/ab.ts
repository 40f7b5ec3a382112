import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDatabase } from '../lib/bench-database';
import { createConversations, ServiceFixture } from '../lib/fixture';
import { LatencyHistogram } from '../lib/histogram';
import { KeepAliveClient } from '../lib/http';
import { runOpenLoop } from '../lib/open-loop';
import { chatMessage } from '../lib/payload';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BENCH_LAYOUT, BenchService, ProcessLayout } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';

const PARTITIONS = 8;
const CONVERSATIONS = 100;
const WARMUP_APPENDS = 400;
const SETTLE_MS = 2000;

/** One build's process on one side of the comparison. */
interface Side {
  name: 'this tree' | 'base';
  service: BenchService;
  before: number;
}

/**
 * This tree against another build of Threadline (`BENCH_AB_BASE`: the `dist/bench` of another
 * checkout, compiled with `npx tsc -p bench/tsconfig.json && npx tsc-alias -p bench/tsconfig.json`),
 * side by side in one run, so that the box's drift between runs (20-30% here) cancels out:
 *
 * - **command**: one command process of each build; a closed loop at c = 1 alternates its
 *   appends between them (A, B, A, B), so both see the same moment of the box;
 * - **projector**: one projector of each build consumes the same topic in a group and a database
 *   of its own, while a command appends at `BENCH_AB_RATE` per second (open loop).
 *
 * Skipped without `BENCH_AB_BASE`. Nothing here is a target: it says whether a change helps.
 */
export const abScenario: Scenario = {
  name: 'ab',
  description: 'this tree against another build (BENCH_AB_BASE), side by side in one run: command at c=1, projector',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const baseDist = process.env.BENCH_AB_BASE;
    if (!baseDist) {
      return { table: '', notes: ['skipped: set BENCH_AB_BASE to the dist/bench of the build to compare'], data: {} };
    }
    if (!existsSync(join(baseDist, 'apps', 'command', 'src', 'main.js'))) {
      throw new Error(`BENCH_AB_BASE=${baseDist} holds no compiled bench build (apps/command/src/main.js)`);
    }
    const baseLayout = { ...BENCH_LAYOUT, distDir: baseDist };
    const seconds = envNumber('BENCH_AB_DURATION_S', 20);
    const rate = envNumber('BENCH_AB_RATE', 100);
    const command = await compareCommands(settings, baseLayout, seconds);
    const projector = await compareProjectors(settings, baseLayout, seconds, rate);
    const rows = [...command.rows, ...projector.rows];
    return {
      table: renderTable(['side', 'measure', 'n', 'p50 ms', 'p99 ms', 'CPU ms per op', 'CPU vs base'], rows),
      notes: [
        `base: ${baseDist}`,
        `command: closed loop at c = 1 for ${seconds} s alternating appends between the two commands (auth on, ${CONVERSATIONS} conversations, after ${WARMUP_APPENDS} warm-up appends each); CPU per append of each process`,
        `projector: two projectors on one ${PARTITIONS}-partition topic, each in its own group and database, while one command (this tree) appends ${rate}/s for ${seconds} s; CPU per event of each process`,
      ],
      data: { baseDist, seconds, rate, command: command.data, projector: projector.data },
    };
  },
};

async function compareCommands(
  settings: BenchSettings,
  baseLayout: ProcessLayout,
  seconds: number,
): Promise<{ rows: string[][]; data: unknown }> {
  const fixture = new ServiceFixture(settings, 'bench-ab-command', PARTITIONS);
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `${fixture.runId}-c${i}`);
  const sides: Side[] = [];
  try {
    const auth = fixture.authenticate();
    sides.push({ name: 'this tree', service: await fixture.start('command'), before: 0 });
    sides.push({ name: 'base', service: await fixture.start('command', {}, 'base-command', baseLayout), before: 0 });
    const clients = sides.map((side) => new KeepAliveClient(side.service.baseUrl, 1, auth.headers));
    const histograms = sides.map(() => new LatencyHistogram());
    for (const side of sides) {
      await createConversations(side.service.baseUrl, ids, auth.headers);
    }
    const append = (client: KeepAliveClient, i: number) => appendProbe(client, ids, i);
    for (let i = 0; i < WARMUP_APPENDS; i++) {
      for (const client of clients) {
        await append(client, i);
      }
    }
    log(`ab: alternating appends between the two commands for ${seconds} s`);
    sides.forEach((side) => (side.before = side.service.cpuSeconds() ?? 0));
    const end = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < end; i++) {
      for (const [index, client] of clients.entries()) {
        const started = performance.now();
        await append(client, i);
        histograms[index].recordMs(performance.now() - started);
      }
    }
    clients.forEach((client) => client.close());
    const summaries = histograms.map((histogram) => histogram.summary());
    const cpu = sides.map((side, index) => cpuMsPer(side, summaries[index].count));
    const rows = sides.map((side, index) => [
      side.name,
      'command: append at c = 1',
      String(summaries[index].count),
      fmt(summaries[index].p50Ms),
      fmt(summaries[index].p99Ms),
      fmt(cpu[index]),
      index === 0 ? ratio(cpu[0], cpu[1]) : '-',
    ]);
    return {
      rows,
      data: sides.map((side, index) => ({ side: side.name, ...summaries[index], cpuMsPerAppend: cpu[index] })),
    };
  } finally {
    await fixture.tearDown(ids);
  }
}

async function compareProjectors(
  settings: BenchSettings,
  baseLayout: ProcessLayout,
  seconds: number,
  rate: number,
): Promise<{ rows: string[][]; data: unknown }> {
  const fixture = new ServiceFixture(settings, 'bench-ab-projector', PARTITIONS);
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `${fixture.runId}-c${i}`);
  const baseDatabase = await BenchDatabase.create(settings.databaseUrl, 'ab');
  const sides: Side[] = [];
  try {
    const auth = fixture.authenticate();
    sides.push({
      name: 'this tree',
      service: await fixture.start('projector', { PROJECTOR_GROUP_ID: `${fixture.runId}-this` }),
      before: 0,
    });
    sides.push({
      name: 'base',
      service: await fixture.start(
        'projector',
        { PROJECTOR_GROUP_ID: `${fixture.runId}-base`, DATABASE_URL: baseDatabase.url },
        'base-projector',
        baseLayout,
      ),
      before: 0,
    });
    const command = await fixture.start('command');
    await createConversations(command.baseUrl, ids, auth.headers);
    const client = new KeepAliveClient(command.baseUrl, 64, auth.headers);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    log(`ab: appending ${rate}/s for ${seconds} s with both projectors consuming`);
    sides.forEach((side) => (side.before = side.service.cpuSeconds() ?? 0));
    const loop = await runOpenLoop(rate, seconds * 1000, async (i) => {
      await appendProbe(client, ids, i);
    });
    client.close();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const cpu = sides.map((side) => cpuMsPer(side, loop.started));
    return {
      rows: sides.map((side, index) => [
        side.name,
        `projector: ${rate} events/s`,
        String(loop.started),
        '-',
        '-',
        fmt(cpu[index]),
        index === 0 ? ratio(cpu[0], cpu[1]) : '-',
      ]),
      data: sides.map((side, index) => ({ side: side.name, events: loop.started, cpuMsPerEvent: cpu[index] })),
    };
  } finally {
    await fixture.tearDown(ids);
    await baseDatabase.drop();
  }
}

/** Appends probe `i` to the i-th conversation (round robin); 201 expected. */
function appendProbe(client: KeepAliveClient, ids: readonly string[], i: number) {
  return client.expect(201, 'POST', `/v1/conversations/${ids[i % ids.length]}/messages`, {
    message: chatMessage({ probe: i }),
  });
}

function cpuMsPer(side: Side, operations: number): number {
  const now = side.service.cpuSeconds();
  return now === null || operations === 0 ? NaN : ((now - side.before) * 1000) / operations;
}
