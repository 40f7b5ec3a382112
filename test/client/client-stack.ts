import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { ClientOptions, createClient, ThreadlineClient, WebSocketConstructor } from '../../libs/client/src';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';

export const ALL_SCOPES = 'conversations:read conversations:write messages:append runs:write agents:manage';

/**
 * The services an SDK or CLI test talks to, with authentication on (JWTs of a test identity provider): a
 * projector and a command instance, and a realtime instance that tests may kill and start again on its port.
 */
export class ClientStack {
  readonly idp = new TestIdentityProvider();
  readonly tenant = `sdk-${randomBytes(4).toString('hex')}`;
  stack!: CommandStack;
  realtime!: ServiceProcess;

  constructor(
    private readonly label: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    const jwksUrl = await this.idp.start();
    this.stack = new CommandStack(this.label, 1, { ...this.idp.authEnv(jwksUrl), ...this.extraEnv });
    const port = allocatePort();
    this.realtime = new ServiceProcess('realtime', `${this.label}-realtime`, port, {
      ...this.stack.env,
      REALTIME_PORT: String(port),
    });
    await Promise.all([this.stack.start(), this.realtime.start()]);
  }

  async stop(): Promise<void> {
    await this.realtime?.stop();
    await this.stack?.stop();
    await this.idp.stop();
  }

  /** SIGKILL the realtime instance, then start a new one on the same port. */
  async killRealtime(): Promise<void> {
    await this.realtime.kill();
  }

  async restartRealtime(): Promise<void> {
    this.realtime = this.realtime.withEnv({});
    await this.realtime.start();
  }

  token(subject = 'service:sdk-test', scope = ALL_SCOPES, tenant = this.tenant): Promise<string> {
    return this.idp.token({ tenant_id: tenant, sub: subject, scope });
  }

  /** A client of the tenant with every scope (Node: `ws` as its WebSocket). */
  async client(options: Partial<ClientOptions> = {}): Promise<ThreadlineClient> {
    return createClient({
      baseUrl: this.stack.baseUrl,
      realtimeUrl: this.realtime.baseUrl,
      token: await this.token(),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      ...options,
    });
  }
}

export const text = (value: string, role = 'user') => ({ role, parts: [{ type: 'text', text: value }] });

export const uniqueId = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/**
 * The running test's AbortSignal (call inside a test), aborted after it: a subscription a failed test leaves open
 * ends with it instead of reconnecting into a later file's servers.
 */
export function perTestSignal(): () => AbortSignal {
  let controller = new AbortController();
  afterEach(() => {
    controller.abort();
    controller = new AbortController();
  });
  return () => controller.signal;
}
