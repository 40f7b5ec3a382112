import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { Delivery } from '../../resources/agents';
import { contextOf, integer, jsonObject, readStdin } from '../context';
import { UsageError } from '../exit-codes';
import { parseRunEvents } from '../run-event-input';

const RUN_COLUMNS = ['run_id', 'status', 'actor', 'last_run_seq', 'created_at'];
const AGENT_COLUMNS = ['id', 'status', 'webhook_url', 'created_at'];
const DELIVERY_COLUMNS = ['id', 'agent_id', 'conversation_id', 'first_seq', 'last_seq', 'status', 'attempts'];
const KEY_COLUMNS = ['id', 'tenant_id', 'subject', 'scopes', 'created_at', 'revoked_at'];

/** `threadline runs list|get|start|push|commit|events|cancel`. */
export function runsCommand(): Command {
  const runs = new Command('runs').description("a conversation's runs: start, push, commit, list, read, cancel");
  runs
    .command('list <conversation>')
    .description("the conversation's runs, oldest first")
    .option('--status <status>', 'streaming, committed, failed or cancelled')
    .action(async (conversation: string, options: { status?: 'streaming' }, command: Command) => {
      const { client, out } = contextOf(command);
      out.rows((await client.handle(conversation).runs(options)).runs, RUN_COLUMNS);
    });
  runs
    .command('get <run>')
    .description('a run')
    .action(async (run: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.run(run).get());
    });
  runs
    .command('events <run>')
    .description("a run's events after a run_seq, until it is finished")
    .option('--from <n>', 'the last run_seq already seen', integer('--from'), 0)
    .action(async (run: string, options: { from: number }, command: Command) => {
      const { client, out } = contextOf(command);
      for await (const event of client.subscribeRun(run, { fromSeq: options.from })) {
        out.line(event);
      }
    });
  runs
    .command('start <conversation>')
    .description('start a run in the conversation; prints it (its run_id)')
    .option('--metadata <json>', "the run's metadata", jsonObject('--metadata'))
    .option('--parent-seq <n>', 'the seq the run answers', integer('--parent-seq'))
    .action(
      async (
        conversation: string,
        options: { metadata?: Record<string, unknown>; parentSeq?: number },
        command: Command,
      ) => {
        const { client, out } = contextOf(command);
        const run = await client.handle(conversation).startRun(options);
        out.record(run.started ?? { run_id: run.runId });
      },
    );
  runs
    .command('push <run>')
    .description('push events (a JSON array, or one JSON event a line) from --file or stdin')
    .option('--file <path>', 'read the events from this file instead of stdin')
    .option(
      '--producer-seq <n>',
      "the first batch's producer_seq (default: the time in ms); the same value again writes nothing twice",
      integer('--producer-seq'),
    )
    .action(async (run: string, options: { file?: string; producerSeq?: number }, command: Command) => {
      const { client, out } = contextOf(command);
      const text = options.file === undefined ? await readStdin() : await readFile(options.file, 'utf8');
      const events = parseRunEvents(text);
      out.record(await client.run(run).push(events, { producerSeq: options.producerSeq ?? Date.now() }));
    });
  runs
    .command('commit <run>')
    .description('commit a run: its events become one assistant message')
    .action(async (run: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.run(run).commit());
    });
  runs
    .command('cancel <run>')
    .description('cancel a streaming run')
    .action(async (run: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.run(run).cancel());
    });
  return runs;
}

/** `threadline agents list|get|create|update|rotate-secret|disable`. */
export function agentsCommand(): Command {
  const agents = new Command('agents').description("the tenant's webhook agents");
  agents
    .command('list')
    .description('the agents, by id')
    .action(async (_options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.rows((await client.agents.list({ limit: 100 })).agents, AGENT_COLUMNS);
    });
  agents
    .command('get <id>')
    .description('an agent')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.agents.get(id));
    });
  agents
    .command('create <id>')
    .description('register an agent; prints its signing secret (shown once)')
    .requiredOption('--webhook-url <url>', 'where its deliveries are POSTed')
    .option('--config <json>', 'any other field of the agent (docs/api.md, "Agents")', jsonObject('--config'))
    .action(async (id: string, options: { webhookUrl: string; config?: object }, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.agents.create({ ...options.config, id, webhook_url: options.webhookUrl }));
    });
  agents
    .command('update <id>')
    .description('change fields of an agent (docs/api.md, "Agents")')
    .option('--webhook-url <url>', 'where its deliveries are POSTed')
    .option('--config <json>', 'any other field to change', jsonObject('--config'))
    .action(async (id: string, options: { webhookUrl?: string; config?: object }, command: Command) => {
      const { client, out } = contextOf(command);
      const changes = {
        ...options.config,
        ...(options.webhookUrl === undefined ? {} : { webhook_url: options.webhookUrl }),
      };
      if (Object.keys(changes).length === 0) {
        throw new UsageError('nothing to change: give --webhook-url or --config');
      }
      out.record(await client.agents.update(id, changes));
    });
  agents
    .command('rotate-secret <id>')
    .description('a new signing secret (printed once); the old one stops signing')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.agents.rotateSecret(id));
    });
  agents
    .command('disable <id>')
    .description('disable an agent (its deliveries are kept)')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      await client.agents.disable(id);
      out.record({ id, status: 'disabled' });
    });
  return agents;
}

/** `threadline deliveries list|get|redeliver`. */
export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description("an agent's deliveries: list, read, redeliver");
  deliveries
    .command('list <agent>')
    .description("the agent's deliveries, newest first")
    .option('--status <status>', 'pending, replying, succeeded, failed or dead')
    .option('--conversation <id>', 'only this conversation')
    .action(
      async (agent: string, options: { status?: Delivery['status']; conversation?: string }, command: Command) => {
        const { client, out } = contextOf(command);
        const page = await client.agents.deliveries(agent, {
          status: options.status,
          conversationId: options.conversation,
        });
        out.rows(page.deliveries, DELIVERY_COLUMNS);
      },
    );
  deliveries
    .command('get <id>')
    .description('a delivery with its messages and attempts')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.deliveries.get(id));
    });
  deliveries
    .command('redeliver <id>')
    .description('send a dead or failed delivery again (exit 4 when it is neither)')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.deliveries.redeliver(id));
    });
  return deliveries;
}

/** `threadline keys create|list|revoke` (scope admin). */
export function keysCommand(): Command {
  const keys = new Command('keys').description('API keys (an admin credential)');
  keys
    .command('create')
    .description('create an API key; prints the key (shown once)')
    .requiredOption('--tenant <tenant>', 'the tenant of the key')
    .requiredOption('--subject <subject>', '<user|agent|service>:<id>')
    .requiredOption('--scopes <scopes>', 'comma-separated scopes')
    .action(async (options: { tenant: string; subject: string; scopes: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const scopes = options.scopes.split(',').map((scope) => scope.trim());
      out.record(await client.keys.create({ tenant_id: options.tenant, subject: options.subject, scopes }));
    });
  keys
    .command('list')
    .description("a tenant's keys (never the key itself)")
    .requiredOption('--tenant <tenant>', 'the tenant')
    .action(async (options: { tenant: string }, command: Command) => {
      const { client, out } = contextOf(command);
      out.rows((await client.keys.list(options.tenant)).api_keys, KEY_COLUMNS);
    });
  keys
    .command('revoke <id>')
    .description('revoke a key (every instance refuses it within seconds)')
    .action(async (id: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      await client.keys.revoke(id);
      out.record({ id, revoked: true });
    });
  return keys;
}
