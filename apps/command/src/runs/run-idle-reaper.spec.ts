import { MetricsService } from '@threadline/observability';
import { RunsReader, RunView, StreamingRunPosition } from '@threadline/persistence';
import { CommandConfig } from '../config/command.config';
import { LostRunResolver } from './lost-run.resolver';
import { RunCommitService } from './run-commit.service';
import { RunIdleReaper } from './run-idle-reaper';
import { RunIndexService } from './run-index.service';
import { RunRecordWriter } from './run-record-writer';

const IDLE_MS = 60_000;

/** A run the projection has as streaming since long ago; the run index (Redis) lost it. */
const lostRun = { tenant_id: 'acme', run_id: 'run_1', created_at: '2026-01-01T00:00:00.000Z' } as RunView &
  StreamingRunPosition;

/** The reaper over fakes: an index holding no run, a projection that never catches up, a resolver counting ends. */
function reaperOverLaggingProjection(failures = 0) {
  const ended: string[] = [];
  let failing = failures;
  const index = {
    lockSweep: async () => true,
    unlockSweep: async () => undefined,
    idleRuns: async () => [],
    conversationOf: async () => null,
  } as unknown as RunIndexService;
  const projected = { streamingSince: async () => [lostRun] } as unknown as RunsReader;
  const lost = {
    endLost: async (_tenant: string, view: RunView) => {
      if (failing > 0) {
        failing -= 1;
        throw new Error('kafka down');
      }
      ended.push(view.run_id);
      return view;
    },
  } as unknown as LostRunResolver;
  const writer = { commitLeaseMs: 1000, operationLeaseMs: 1000 } as unknown as RunRecordWriter;
  const config = { runs: { idleTimeoutMs: IDLE_MS }, holes: { reaperIntervalMs: 1000 } } as unknown as CommandConfig;
  const reaper = new RunIdleReaper(
    index,
    writer,
    {} as RunCommitService,
    projected,
    lost,
    config,
    new MetricsService({ service: 'command', logLevel: 'silent' }),
  );
  const sweep = () => (reaper as unknown as { runOnce(): Promise<void> }).runOnce();
  return { sweep, ended };
}

describe('the idle sweep ending runs the run index lost', () => {
  afterEach(() => jest.useRealTimers());

  it('ends a lost run once while the projection has not caught up with that end', async () => {
    const { sweep, ended } = reaperOverLaggingProjection();
    for (let i = 0; i < 5; i += 1) {
      await sweep();
    }
    expect(ended).toEqual(['run_1']);
  });

  it('ends it again once RUN_IDLE_TIMEOUT_MS passed and the projection still has it streaming', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const { sweep, ended } = reaperOverLaggingProjection();
    await sweep();
    jest.setSystemTime(Date.now() + IDLE_MS - 1);
    await sweep();
    expect(ended).toEqual(['run_1']);
    jest.setSystemTime(Date.now() + 1);
    await sweep();
    expect(ended).toEqual(['run_1', 'run_1']);
  });

  it('tries again on the next sweep when producing the end failed', async () => {
    const { sweep, ended } = reaperOverLaggingProjection(1);
    await sweep();
    expect(ended).toEqual([]);
    await sweep();
    expect(ended).toEqual(['run_1']);
  });
});
