import { randomBytes } from 'node:crypto';
import { dispatcherConfigSchema } from './dispatcher.config';

const key = randomBytes(32).toString('base64');
const parse = (env: Record<string, string>) =>
  dispatcherConfigSchema.safeParse({ AUTH_MODE: 'none', AGENT_SECRETS_KEY: key, ...env });
const issuesAt = (env: Record<string, string>, path: string) => {
  const result = parse(env);
  return result.success ? [] : result.error.issues.filter((issue) => issue.path[0] === path);
};

describe('dispatcher config', () => {
  it('accepts its defaults: port 4004, group threadline-dispatcher, the dead-letter topic, the command on 4000', () => {
    const result = parse({});
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({
      http: { host: '127.0.0.1', port: 4004 },
      ingest: { groupId: 'threadline-dispatcher' },
      deadLetterTopic: 'threadline.deliveries.dead.v1',
      command: { url: 'http://127.0.0.1:4000', apiKey: null },
      retry: { baseMs: 500, factor: 5, capMs: 1_800_000 },
    });
  });

  it('requires DISPATCHER_API_KEY when AUTH_MODE=on: replies are appended with it', () => {
    expect(issuesAt({ AUTH_MODE: 'on' }, 'DISPATCHER_API_KEY')).toEqual([
      expect.objectContaining({ message: 'required when AUTH_MODE=on' }),
    ]);
    expect(parse({ AUTH_MODE: 'on', DISPATCHER_API_KEY: 'tl_x' }).success).toBe(true);
  });

  it('requires AGENT_SECRETS_KEY: without it no signing secret opens', () => {
    const result = dispatcherConfigSchema.safeParse({ AUTH_MODE: 'none' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain('AGENT_SECRETS_KEY');
  });

  it('refuses a COMMAND_URL that is not http(s) and a topic name Kafka would refuse', () => {
    expect(issuesAt({ COMMAND_URL: 'ftp://command' }, 'COMMAND_URL')).toHaveLength(1);
    expect(issuesAt({ DISPATCHER_DEAD_LETTER_TOPIC: 'dead letters' }, 'DISPATCHER_DEAD_LETTER_TOPIC')).toHaveLength(1);
  });

  it('drops a trailing slash of COMMAND_URL', () => {
    expect(parse({ COMMAND_URL: 'http://command:4000/' }).data?.command.url).toBe('http://command:4000');
  });
});
