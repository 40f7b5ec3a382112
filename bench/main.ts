import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_REDIS_URL } from '../test/support/test-env';
import { BenchDatabase } from './lib/bench-database';
import { MachineInfo, machineInfo } from './lib/machine';
import { BenchSettings, envNumber, log, Scenario, TargetCheck } from './lib/scenario';
import { REPO_ROOT } from './lib/services';
import { renderTargets, targetMet } from './lib/targets';
import { abScenario } from './scenarios/ab';
import { appendScenario } from './scenarios/append';
import { archiveScenario } from './scenarios/archive';
import { deliveryScenario } from './scenarios/delivery';
import { idleConnectionsScenario } from './scenarios/idle-connections';
import { memoryScenario } from './scenarios/memory';
import { peersScenario } from './scenarios/peers';
import { projectionScenario } from './scenarios/projection';
import { readsScenario } from './scenarios/reads';
import { runsScenario } from './scenarios/runs';
import { scaleScenario } from './scenarios/scale';
import { sessionsScenario } from './scenarios/sessions';
import { webhooksScenario } from './scenarios/webhooks';

/** Every scenario, in the order `npm run bench` runs them. */
const SCENARIOS: Scenario[] = [
  appendScenario,
  projectionScenario,
  readsScenario,
  archiveScenario,
  deliveryScenario,
  runsScenario,
  sessionsScenario,
  webhooksScenario,
  idleConnectionsScenario,
  peersScenario,
  scaleScenario,
  memoryScenario,
  abScenario,
];

function settingsFromEnv(): BenchSettings {
  const concurrency = (process.env.BENCH_CONCURRENCY ?? '1,16,128,512').split(',').map((c) => Number(c.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 4096)) {
    throw new Error(`BENCH_CONCURRENCY must be a list of integers 1..4096, got ${process.env.BENCH_CONCURRENCY}`);
  }
  return {
    concurrency,
    warmupMs: envNumber('BENCH_WARMUP_S', 2) * 1000,
    durationMs: envNumber('BENCH_DURATION_S', 8) * 1000,
    conversations: envNumber('BENCH_CONVERSATIONS', 1000),
    kafkaBrokers: TEST_KAFKA_BROKERS,
    redisUrl: TEST_REDIS_URL,
    databaseUrl: TEST_DATABASE_URL,
  };
}

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const selected = names.length > 0 ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  const settings = settingsFromEnv();
  const machine = machineInfo();
  log(
    `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, kafka ${machine.kafka ?? '?'}, ` +
      `redis ${machine.redis ?? '?'}${machine.gitDirty ? ', uncommitted changes included' : ''}`,
  );
  const database = await BenchDatabase.create(settings.databaseUrl, 'run');
  try {
    await runScenarios(selected, { ...settings, databaseUrl: database.url }, machine);
  } finally {
    await database.drop();
  }
}

async function runScenarios(selected: Scenario[], settings: BenchSettings, machine: MachineInfo): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0];
  if (loadAtStart > machine.cpus) {
    log(
      `WARNING: load average ${loadAtStart.toFixed(1)} on ${machine.cpus} CPUs: something else is busy, expect noise`,
    );
  }
  const results: Record<string, unknown> = {};
  const targets: TargetCheck[] = [];
  for (const scenario of selected) {
    log(`scenario ${scenario.name}: ${scenario.description}`);
    const result = await scenario.run(settings);
    console.log(`\n## ${scenario.name}: ${scenario.description}\n`);
    console.log(result.table);
    console.log('');
    for (const note of result.notes) {
      console.log(`  ${note}`);
    }
    results[scenario.name] = { description: scenario.description, notes: result.notes, ...result.data };
    targets.push(...(result.targets ?? []));
  }
  if (targets.length > 0) {
    console.log('\n## targets: each a ratio within this run, as in the tables above\n');
    console.log(renderTargets(targets));
  }

  const loadAtEnd = os.loadavg()[0];
  console.log(
    `\n${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, ${machine.kafka ?? 'kafka ?'}; ` +
      `1-min load average ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end`,
  );

  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const output = {
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    machine: { ...machine, loadAverage1m: { start: loadAtStart, end: loadAtEnd } },
    settings: { ...settings, kafkaBrokers: undefined, redisUrl: undefined, databaseUrl: undefined },
    targets: targets.map((t) => ({ ...t, met: targetMet(t) })),
    scenarios: results,
  };
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
