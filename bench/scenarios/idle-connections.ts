import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { ServiceFixture } from '../lib/fixture';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService } from '../lib/services';
import { fmt, renderTable } from '../lib/table';
import { OpenedStreams, openStreams, StreamClient, terminateAll } from '../lib/ws-streams';

const PARTITIONS = 4;
const OPEN_CONCURRENCY = 200;
/** The connections are held for this many heartbeat intervals. */
const HOLD_INTERVALS = 3;
/** File descriptors each process needs besides the sockets (Kafka, Postgres, logs, node itself). */
const FD_MARGIN = 512;
const SETTLE_MS = 2000;
const SUBSCRIBE_TIMEOUT_MS = 120_000;
const MIB = 2 ** 20;

interface Shape {
  connections: number;
  conversations: number;
  heartbeatMs: number;
}

/** The realtime process (and this one, the clients' side) at one moment. */
interface Sample {
  at: number;
  rssBytes: number | null;
  heapUsedBytes: number;
  cpuS: number | null;
  connected: number;
  clientRssBytes: number;
}

/**
 * Idle plain WebSocket streams on one realtime instance: N clients (this
 * process) each follow one of C conversations from cursor 0, nothing is
 * appended, and they are held across HOLD_INTERVALS heartbeat intervals. Reports
 * the time to open them, the resident memory they cost the service, and its CPU
 * while they idle (heartbeat pings only).
 */
export const idleConnectionsScenario: Scenario = {
  name: 'idle-connections',
  description: 'idle plain WebSocket streams on one realtime instance: memory, idle CPU, time to open',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const shape: Shape = {
      connections: envNumber('BENCH_IDLE_CONNECTIONS', 10_000),
      conversations: envNumber('BENCH_IDLE_CONVERSATIONS', 1000),
      heartbeatMs: envNumber('BENCH_IDLE_HEARTBEAT_MS', 5000),
    };
    checkLimits(shape.connections);
    const fixture = new ServiceFixture(settings, 'bench-idle', PARTITIONS, {
      HEARTBEAT_INTERVAL_MS: String(shape.heartbeatMs),
    });
    let clients: StreamClient[] = [];
    try {
      const realtime = await fixture.start('realtime');
      await sleep(SETTLE_MS);
      const before = await sample(realtime);
      const ids = Array.from({ length: shape.connections }, (_, i) => `${fixture.runId}-c${i % shape.conversations}`);
      log(`idle-connections: opening ${shape.connections} clients over ${shape.conversations} conversations`);
      const streams = await openStreams(realtime.port, ids, { cursor: 0, concurrency: OPEN_CONCURRENCY });
      clients = streams.clients;
      const subscribedS = await waitSubscribed(realtime, clients.length, before.at);
      log(
        `idle-connections: ${clients.length} open in ${fmt(streams.seconds)} s (${streams.failures} failed); ` +
          `holding ${HOLD_INTERVALS} heartbeats of ${shape.heartbeatMs} ms`,
      );
      await sleep(SETTLE_MS);
      const opened = await sample(realtime);
      await sleep(HOLD_INTERVALS * shape.heartbeatMs);
      const held = await sample(realtime);
      return report(shape, { streams, subscribedS }, before, opened, held);
    } finally {
      await terminateAll(clients);
      await fixture.tearDown();
    }
  },
};

/** Both this process and the service need a descriptor per connection; ephemeral ports bound it too. */
function checkLimits(connections: number): void {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (soft && soft[1] !== 'unlimited' && Number(soft[1]) < connections + FD_MARGIN) {
    throw new Error(
      `${connections} connections need ${connections + FD_MARGIN} file descriptors, the soft limit is ${soft[1]} ` +
        `(hard ${soft[2]}): raise it with ulimit -n (bench/run raises it to the hard limit)`,
    );
  }
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  if (high - low + 1 < connections + FD_MARGIN) {
    throw new Error(`${connections} connections from 127.0.0.1 need more ephemeral ports than ${low}-${high}`);
  }
}

async function sample(realtime: BenchService): Promise<Sample> {
  const [heapUsedBytes, connected] = await Promise.all([
    realtime.metric('threadline_nodejs_heap_size_used_bytes'),
    realtime.metric('threadline_realtime_connected_clients'),
  ]);
  return {
    at: performance.now(),
    rssBytes: realtime.rssBytes(),
    heapUsedBytes,
    cpuS: realtime.cpuSeconds(),
    connected,
    clientRssBytes: process.memoryUsage.rss(),
  };
}

/** Seconds from `since` until the service counts `count` stream subscriptions. */
async function waitSubscribed(realtime: BenchService, count: number, since: number): Promise<number> {
  const deadline = performance.now() + SUBSCRIBE_TIMEOUT_MS;
  while ((await realtime.metric('threadline_realtime_subscriptions')) < count) {
    if (performance.now() > deadline) {
      throw new Error(`the realtime service did not count ${count} subscriptions within ${SUBSCRIBE_TIMEOUT_MS} ms`);
    }
    await sleep(50);
  }
  return (performance.now() - since) / 1000;
}

function mib(bytes: number | null): string {
  return bytes === null ? '-' : fmt(bytes / MIB);
}

function perConnection(after: number | null, before: number | null, connections: number): number | null {
  return after === null || before === null || connections === 0 ? null : (after - before) / connections;
}

function report(
  shape: Shape,
  opening: { streams: OpenedStreams; subscribedS: number },
  before: Sample,
  opened: Sample,
  held: Sample,
): ScenarioResult {
  const { clients } = opening.streams;
  const open = clients.filter((c) => c.ws.readyState === WebSocket.OPEN);
  const closeCodes = [...new Set(clients.filter((c) => c.closeCode !== null).map((c) => c.closeCode))];
  const pings = open.map((c) => c.pings);
  const minPings = pings.length > 0 ? Math.min(...pings) : 0;
  const maxPings = pings.length > 0 ? Math.max(...pings) : 0;
  const holdS = (held.at - opened.at) / 1000;
  const idleCpu = held.cpuS !== null && opened.cpuS !== null ? (held.cpuS - opened.cpuS) / holdS : null;
  const openCpuS = perConnection(opened.cpuS, before.cpuS, clients.length);
  const rssPer = perConnection(held.rssBytes, before.rssBytes, clients.length);
  const heapPer = perConnection(held.heapUsedBytes, before.heapUsedBytes, clients.length);
  const clientRssPer = perConnection(held.clientRssBytes, before.clientRssBytes, clients.length);
  const rows: [string, string | number][] = [
    ['connections requested', shape.connections],
    ['established', clients.length],
    ['still open after the hold (client side)', open.length],
    ['connected per the service after the hold', held.connected],
    ['time to open all (handshakes), s', fmt(opening.streams.seconds)],
    ['time until all subscribed on the service, s', fmt(opening.subscribedS)],
    ['opens/s', Math.round(clients.length / opening.streams.seconds)],
    ['realtime CPU per connection opened, ms', openCpuS === null ? '-' : fmt(openCpuS * 1000)],
    ['realtime RSS before, MiB', mib(before.rssBytes)],
    ['realtime RSS after opening, MiB', mib(opened.rssBytes)],
    ['realtime RSS after the hold, MiB', mib(held.rssBytes)],
    ['RSS per connection, bytes', rssPer === null ? '-' : Math.round(rssPer)],
    ['JS heap used per connection, bytes', heapPer === null ? '-' : Math.round(heapPer)],
    ['realtime CPU while idle, % of a core', idleCpu === null ? '-' : fmt(idleCpu * 100)],
    ['heartbeat pings per client during the run (min-max)', `${minPings}-${maxPings}`],
    ['bench (client side) RSS per connection, bytes', clientRssPer === null ? '-' : Math.round(clientRssPer)],
  ];
  const notes = [
    `${shape.connections} plain WebSocket clients (/v1/conversations/{id}/stream?cursor=0, all in the bench ` +
      `process, ${OPEN_CONCURRENCY} handshakes at a time) over ${shape.conversations} conversations nobody writes ` +
      `to, one realtime instance; HEARTBEAT_INTERVAL_MS=${shape.heartbeatMs} (lowered from the 30 s default so the ` +
      `hold spans ${HOLD_INTERVALS} intervals: ${fmt(holdS)} s)`,
    'per connection = (after the hold - before the first connection) / established; RSS is VmRSS of ' +
      "/proc/<pid>/status, heap is the service's nodejs_heap_size_used_bytes (no forced GC, so both are upper bounds)",
    'idle CPU = realtime user+system CPU over the hold / hold time (heartbeat pings and their pongs only); CPU per ' +
      'connection opened = its CPU from before the first handshake until the hold / established (upgrade, ' +
      'subscription, catch-up reads)',
  ];
  if (opening.streams.failures > 0) {
    notes.push(`${opening.streams.failures} connections failed, e.g. ${opening.streams.failureSamples[0]}`);
  }
  if (open.length < clients.length) {
    notes.push(
      `PROBLEM: ${clients.length - open.length} connections closed while idle, close codes ${closeCodes.join(', ')}`,
    );
  }
  return {
    table: renderTable(['measure', 'value'], rows),
    notes,
    data: {
      ...shape,
      holdIntervals: HOLD_INTERVALS,
      openConcurrency: OPEN_CONCURRENCY,
      established: clients.length,
      failures: opening.streams.failures,
      stillOpen: open.length,
      closeCodes,
      openSeconds: opening.streams.seconds,
      subscribedSeconds: opening.subscribedS,
      holdSeconds: holdS,
      samples: { before, opened, held },
      rssBytesPerConnection: rssPer,
      heapBytesPerConnection: heapPer,
      clientRssBytesPerConnection: clientRssPer,
      idleCpuCores: idleCpu,
      openCpuMsPerConnection: openCpuS === null ? null : openCpuS * 1000,
      pingsPerClient: { min: minPings, max: maxPings },
    },
  };
}
