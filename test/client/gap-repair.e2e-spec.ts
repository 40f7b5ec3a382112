/**
 * A subscription of the SDK (libs/client) told by the real realtime service that a seq is missing: seq 3 of a
 * conversation reaches neither the topic nor the projection until after REORDER_TIMEOUT_MS, while seqs 4 and 5
 * do (hand-built events standing in for a command whose produce of seq 3 landed late). The realtime service
 * sends a `gap`; the SDK replays seq 3 over REST once it is there and delivers every seq once, in order.
 */
import { ConversationRef } from '@threadline/contracts';
import { appendedEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { eventually } from '../support/service-process';
import { ClientStack, perTestSignal, text, uniqueId } from './client-stack';

/** A short reorder timeout, and a hole grace long enough that the command never settles seq 3 itself. */
const services = new ClientStack('sdk-gap', { REORDER_TIMEOUT_MS: '1000', HOLE_GRACE_MS: '60000' });

beforeAll(() => services.start(), 120_000);
afterAll(() => services.stop());
const thisTest = perTestSignal();

it('repairs a gap the realtime service sends by replaying the missing seq, delivering every seq once and in order', async () => {
  const client = await services.client();
  const id = uniqueId('gap');
  const convo = await client.conversation(id);
  const delivered: number[] = [];
  const gaps: Array<{ expected: number; actual: number }> = [];
  const subscription = await convo.subscribe({
    cursor: 0,
    signal: thisTest(),
    onMessage: (message) => {
      delivered.push(message.seq);
    },
    onGap: (gap) => gaps.push(gap),
  });
  await convo.append(text('m1'));
  await convo.append(text('m2'));
  await eventually('seqs 1 and 2 delivered', async () => delivered.length === 2);

  const epoch = await eventually('the command to trust its index', () =>
    indexEpoch(services.stack.env.REDIS_KEY_PREFIX),
  );
  const ref: ConversationRef = { tenantId: services.tenant, conversationId: id };
  const handBuilt = (seq: number) => appendedEvent(ref, seq, `m${seq}`, epoch, null, undefined, 'service:sdk-test');
  await produceEvents(services.stack.env.KAFKA_TOPIC, handBuilt(4), handBuilt(5));
  await eventually('the realtime service to report seq 3 missing', async () => gaps.length === 1);
  expect(gaps).toEqual([{ expected: 3, actual: 4 }]);
  expect(delivered).toEqual([1, 2]);

  // Seq 3 lands late: the realtime stream is past it, so only the SDK's replay can deliver it. Seq 6 marks the
  // end: the stream is in seq order, so a duplicate of an earlier seq would arrive before it.
  await produceEvents(services.stack.env.KAFKA_TOPIC, handBuilt(3), handBuilt(6));
  await eventually('seqs 1..6 delivered', async () => delivered.at(-1) === 6, 30_000);
  subscription.close();
  await subscription.done;
  expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
  expect(gaps).toHaveLength(1);
  expect(subscription.lastSeq).toBe(6);
});
