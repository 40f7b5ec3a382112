import { randomUUID } from 'node:crypto';
import { ClientRequest, request } from 'node:http';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually, ServiceProcess } from '../support/service-process';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';

/**
 * SIGTERM on the command service (docs/operations.md): the HTTP server stops
 * accepting, requests in flight finish within SHUTDOWN_GRACE_MS, then the
 * process shuts down; a request still unfinished by then is cut.
 */

const SHUTDOWN_GRACE_MS = 4000;
const stack = new CommandStack('shutdown', 2, { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) });

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

interface InFlight {
  req: ClientRequest;
  /** The answer's status and body, or the error that ended the request. */
  answer: Promise<{ status: number; body: string } | { error: string }>;
}

/**
 * A POST whose headers the server has read (it answered `100 Continue`) and whose
 * body has not been sent yet: a request in flight for as long as the test wants.
 */
async function postInFlight(command: ServiceProcess, path: string, body: string): Promise<InFlight> {
  const req = request(`${command.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const answer = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
  });
  await new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
    req.flushHeaders();
  });
  return { req, answer };
}

/** True once the server refuses new connections: the drain has begun. */
async function refusesConnections(command: ServiceProcess): Promise<boolean> {
  try {
    await fetch(`${command.baseUrl}/health/live`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

it('an append in flight when SIGTERM arrives is answered 201 and is in the log; then the process exits', async () => {
  const command = stack.commands[0];
  const id = `shutdown-${randomUUID()}`;
  expect((await api(command.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  const body = JSON.stringify({ message: textMessage('sent during the drain') });
  const inFlight = await postInFlight(command, `/v1/conversations/${id}/messages`, body);

  const stopping = command.stop();
  await eventually('the command to stop accepting connections', () => refusesConnections(command), 10_000, 50);
  inFlight.req.end(body);

  expect(await inFlight.answer).toEqual({ status: 201, body: expect.stringContaining('"seq":1') as string });
  // Nothing else is in flight: the process does not wait out the grace period.
  const answeredAt = performance.now();
  await stopping;
  expect(performance.now() - answeredAt).toBeLessThan(SHUTDOWN_GRACE_MS / 2);
  const event = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC), id).get(1);
  expect(event?.type === 'message.appended' && event.data.message.parts[0]).toEqual({
    type: 'text',
    text: 'sent during the drain',
  });
});

it('a request still unfinished after SHUTDOWN_GRACE_MS is cut, and the process exits within the grace plus 5 s', async () => {
  const command = stack.commands[1];
  const inFlight = await postInFlight(command, `/v1/conversations/x/messages`, '{"message": {}}');

  const startedAt = performance.now();
  const exited = await Promise.race([
    command.stop(),
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), SHUTDOWN_GRACE_MS + 5000)),
  ]);
  const exitMs = performance.now() - startedAt;
  try {
    // Nest re-raises SIGTERM once it has shut down: the process ends by the signal, not an exit code.
    expect(exited).toBeNull();
    expect(exitMs).toBeGreaterThanOrEqual(SHUTDOWN_GRACE_MS - 100);
    expect(await inFlight.answer).toEqual({ error: expect.any(String) as string });
  } finally {
    inFlight.req.destroy();
    await command.kill();
  }
});
