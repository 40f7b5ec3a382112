/**
 * Realtime's streams with AUTH_MODE=on: Phoenix (connect param `token`), plain
 * WebSocket and SSE (Authorization header or `?access_token=`) refuse every bad
 * credential with the documented answer before anything streams, serve a good
 * one, end a stream when its token expires, and never log a query token.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { createApiKey, signingKey, TestIdentityProvider, TokenOptions } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { PhoenixClient, PHOENIX_PATH } from '../realtime/support/phoenix-client';
import { SseClient } from '../realtime/support/stream-clients';
import { Connection, WebSocketProbe } from '../realtime/support/websocket-probe';

const TENANT = 'acme';
const READ = 'conversations:read';
const WRITE = 'conversations:read conversations:write messages:append';

const idp = new TestIdentityProvider();
let stack: CommandStack;
let realtime: ServiceProcess;
const conversation = `streamed-${randomUUID()}`;

const token = (claims: Record<string, unknown>, options: TokenOptions = {}) =>
  idp.token({ tenant_id: TENANT, sub: 'user:ada', ...claims }, options);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('stream-auth', 1, idp.authEnv(jwksUrl));
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'stream-auth-realtime', port, {
    ...stack.env,
    REALTIME_PORT: String(port),
  });
  await Promise.all([stack.start(), realtime.start()]);
  const writer = { authorization: `Bearer ${await token({ scope: WRITE })}` };
  expect(
    (await api(stack.baseUrl, 'PUT', `/v1/conversations/${conversation}`, {}, undefined, { headers: writer })).status,
  ).toBe(200);
  const appended = await api(
    stack.baseUrl,
    'POST',
    `/v1/conversations/${conversation}/messages`,
    { message: textMessage('first') },
    undefined,
    { headers: writer },
  );
  expect(appended.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await realtime?.stop();
  await stack?.stop();
  await idp.stop();
});

const wsUrl = (path: string) => `${realtime.baseUrl.replace(/^http/, 'ws')}${path}`;
const streamPath = (query = '') => `/v1/conversations/${conversation}/stream?cursor=0${query}`;
const ssePath = (query = '') => `/v1/conversations/${conversation}/events?cursor=0${query}`;

interface Refusal {
  status: number;
  error: string;
  challenge: string | undefined;
}

/** Where a stream request carries the credential: the Authorization header or `?access_token=`. */
function placed(credential: string | null, via: 'header' | 'query') {
  return {
    query: credential !== null && via === 'query' ? `&access_token=${encodeURIComponent(credential)}` : '',
    headers: (credential !== null && via === 'header' ? { authorization: `Bearer ${credential}` } : {}) as Record<
      string,
      string
    >,
  };
}

/** The upgraded socket, or the refusal the server answered the upgrade with. */
function upgraded(connection: Connection): Refusal | WebSocketProbe {
  if (connection.kind === 'open') {
    return connection.probe;
  }
  const header = connection.headers['www-authenticate'];
  return {
    status: connection.status,
    error: (JSON.parse(connection.body) as { error: string }).error,
    challenge: Array.isArray(header) ? header[0] : header,
  };
}

async function plainWs(credential: string | null, via: 'header' | 'query'): Promise<Refusal | WebSocketProbe> {
  const { query, headers } = placed(credential, via);
  return upgraded(await WebSocketProbe.connect(wsUrl(streamPath(query)), headers));
}

async function sse(credential: string | null, via: 'header' | 'query'): Promise<Refusal | SseClient> {
  const { query, headers } = placed(credential, via);
  const client = await SseClient.open(`${realtime.baseUrl}${ssePath(query)}`, headers);
  if (client.status === 200) {
    return client;
  }
  const res = await fetch(`${realtime.baseUrl}${ssePath(query)}`, { headers });
  return {
    status: res.status,
    error: ((await res.json()) as { error: string }).error,
    challenge: res.headers.get('www-authenticate') ?? undefined,
  };
}

async function phoenixUpgrade(credential: string | null): Promise<Refusal | WebSocketProbe> {
  const query = credential === null ? '' : `&token=${encodeURIComponent(credential)}`;
  return upgraded(await WebSocketProbe.connect(wsUrl(`${PHOENIX_PATH}${query}`)));
}

const unauthorized = (challenge: string) => ({ status: 401, error: 'unauthorized', challenge });

describe('a stream refuses a bad credential before anything streams', () => {
  const attempts: Array<[string, () => Promise<string | null>, string]> = [
    ['no credential', () => Promise.resolve(null), 'Bearer'],
    ['a malformed token', () => Promise.resolve('not-a-jwt'), 'Bearer error="invalid_token"'],
    [
      'a token signed by an unknown key',
      async () => token({ scope: READ }, { key: await signingKey(idp.current.kid) }),
      'Bearer error="invalid_token"',
    ],
    ['an expired token', () => token({ scope: READ }, { expiresInS: -120 }), 'Bearer error="invalid_token"'],
    [
      'a token for another audience',
      () => token({ scope: READ }, { audience: 'other' }),
      'Bearer error="invalid_token"',
    ],
    ['an unknown API key', () => Promise.resolve(`tl_${'x'.repeat(43)}`), 'Bearer error="invalid_token"'],
  ];

  it.each(attempts)(
    'plain WebSocket, header and ?access_token=: 401 before the upgrade for %s',
    async (_case, make, challenge) => {
      const credential = await make();
      expect(await plainWs(credential, 'header')).toEqual(unauthorized(challenge));
      expect(await plainWs(credential, 'query')).toEqual(unauthorized(challenge));
    },
  );

  it.each(attempts)('SSE, header and ?access_token=: 401 for %s', async (_case, make, challenge) => {
    const credential = await make();
    expect(await sse(credential, 'header')).toEqual(unauthorized(challenge));
    expect(await sse(credential, 'query')).toEqual(unauthorized(challenge));
  });

  it.each(attempts)(
    'Phoenix socket, connect param token: 401 before the upgrade for %s',
    async (_case, make, challenge) => {
      expect(await phoenixUpgrade(await make())).toEqual(unauthorized(challenge));
    },
  );

  it('asks SSE for a credential on a /v1 path spelled in other letter case', async () => {
    const res = await fetch(`${realtime.baseUrl}${ssePath().replace('/v1/conversations', '/V1/Conversations')}`);
    expect({ status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({
      status: 401,
      error: 'unauthorized',
    });
  });

  it('answers 403 forbidden_scope on plain WebSocket and SSE for a token without conversations:read', async () => {
    const credential = await token({ scope: 'messages:append' });
    expect(await plainWs(credential, 'header')).toEqual({
      status: 403,
      error: 'forbidden_scope',
      challenge: undefined,
    });
    expect(await sse(credential, 'header')).toEqual({ status: 403, error: 'forbidden_scope', challenge: undefined });
  });

  it('answers 403 forbidden_conversation for a token pinned to another conversation', async () => {
    const credential = await token({ scope: READ, conversation_id: 'someone-else' });
    const forbidden = { status: 403, error: 'forbidden_conversation', challenge: undefined };
    expect(await plainWs(credential, 'query')).toEqual(forbidden);
    expect(await sse(credential, 'query')).toEqual(forbidden);
  });

  it('refuses a Phoenix join with {reason: unauthorized} when the socket token lacks the scope or is pinned elsewhere', async () => {
    for (const claims of [{ scope: 'messages:append' }, { scope: READ, conversation_id: 'someone-else' }]) {
      const probe = await phoenixUpgrade(await token(claims));
      if (!(probe instanceof WebSocketProbe)) {
        throw new Error(`upgrade refused: ${JSON.stringify(probe)}`);
      }
      const client = new PhoenixClient(probe);
      expect(await client.join(`conversation:${conversation}`, { cursor: 0 })).toEqual({
        status: 'error',
        response: { reason: 'unauthorized' },
      });
      expect(client.seqs(`conversation:${conversation}`)).toEqual([]);
      await probe.close();
    }
  });
});

describe('a stream with a good credential', () => {
  it('serves the plain WebSocket with a JWT in the header and an API key in ?access_token=', async () => {
    const key = createApiKey(stack.env, TENANT, 'service:reader', [READ]).key;
    for (const [credential, via] of [
      [await token({ scope: READ }), 'header'],
      [key, 'query'],
    ] as const) {
      const probe = await plainWs(credential, via);
      if (!(probe instanceof WebSocketProbe)) {
        throw new Error(`refused: ${JSON.stringify(probe)}`);
      }
      await eventually('the first message', async () => probe.texts.some((text) => text.includes('"seq":1')));
      await probe.close();
    }
  });

  it('serves SSE with ?access_token= and a Phoenix join with the connect param token', async () => {
    const credential = await token({ scope: READ, conversation_id: conversation });
    const client = await sse(credential, 'query');
    if (!(client instanceof SseClient)) {
      throw new Error(`refused: ${JSON.stringify(client)}`);
    }
    await eventually('the first message', async () => client.seqs.includes(1));
    client.close();

    const probe = await phoenixUpgrade(credential);
    if (!(probe instanceof WebSocketProbe)) {
      throw new Error(`refused: ${JSON.stringify(probe)}`);
    }
    const phoenix = new PhoenixClient(probe);
    expect(await phoenix.join(`conversation:${conversation}`, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
    await phoenix.waitForSeq(`conversation:${conversation}`, 1);
    await probe.close();
  });

  it('ends a live stream when its token expires: WebSockets close with 4001 token_expired, SSE sends token_expired', async () => {
    const credential = await token({ scope: READ }, { expiresInS: 3 });
    const [ws, phoenixProbe, events] = await Promise.all([
      plainWs(credential, 'query'),
      phoenixUpgrade(credential),
      sse(credential, 'query'),
    ]);
    if (
      !(ws instanceof WebSocketProbe) ||
      !(phoenixProbe instanceof WebSocketProbe) ||
      !(events instanceof SseClient)
    ) {
      throw new Error('a stream was refused');
    }
    expect(await ws.closed).toEqual({ code: 4001, reason: 'token_expired' });
    expect(await phoenixProbe.closed).toEqual({ code: 4001, reason: 'token_expired' });
    expect(await events.ended()).toEqual({ end: 'server_closed' });
    expect(events.events.map((event) => event.event)).toContain('token_expired');
  }, 30_000);

  it('logs a refused SSE request with its query token redacted', async () => {
    const credential = await token({ scope: 'messages:append' });
    expect(await sse(credential, 'query')).toEqual({ status: 403, error: 'forbidden_scope', challenge: undefined });
    const signature = credential.split('.')[2];
    await eventually('the refusal in the log', async () =>
      readFileSync(realtime.logFile, 'utf8').includes('access_token=[redacted]'),
    );
    expect(readFileSync(realtime.logFile, 'utf8')).not.toContain(signature);
  });
});
