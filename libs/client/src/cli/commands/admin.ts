import { Command } from 'commander';
import { Delivery } from '../../resources/agents';
import { contextOf, integer, jsonObject } from '../context';

const RUN_COLUMNS = ['run_id', 'status', 'actor', 'last_run_seq', 'created_at'];
const AGENT_COLUMNS = ['id', 'status', 'webhook_url', 'created_at'];
const DELIVERY_COLUMNS = ['id', 'agent_id', 'conversation_id', 'first_seq', 'last_seq', 'status', 'attempts'];
const KEY_COLUMNS = ['id', 'tenant_id', 'subject', 'scopes', 'created_at', 'revoked_at'];

/** `threadline runs list|get|events|cancel`. */
export function runsCommand(): Command {
  const runs = new Command('runs').description("a conversation's runs: list, read, cancel");
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
    .command('cancel <run>')
    .description('cancel a streaming run')
    .action(async (run: string, _options: object, command: Command) => {
      const { client, out } = contextOf(command);
      out.record(await client.run(run).cancel());
    });
  return runs;
}

/** `threadline agents list|get|create|disable`. */
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
