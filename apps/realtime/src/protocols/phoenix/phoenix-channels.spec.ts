import { ClientConnection } from '../../connections/client-connection';
import { PhoenixAck } from './phoenix-messages';
import { PhoenixChannels } from './phoenix-channels';
import { decodeFrame, PhoenixFrame } from './phoenix-protocol';

/** Channels over a fake connection: `sent` holds the frames pushed, `replies` the join/leave answers. */
function setup(maxChannels = 2) {
  const sent: PhoenixFrame[] = [];
  let closed: () => void = () => undefined;
  const connection = {
    send: (text: string) => sent.push(decodeFrame(text) as PhoenixFrame) > 0,
    onClosed: (listener: () => void) => (closed = listener),
  } as unknown as ClientConnection;
  const channels = new PhoenixChannels(connection, maxChannels);
  const replies: unknown[] = [];
  const ack: PhoenixAck = (status, response) => replies.push(response ? { status, ...response } : { status }) > 0;
  const log: string[] = [];
  const join = (topic: string, ref = '1') =>
    channels.open({ joinRef: ref, ref, topic, event: 'phx_join', payload: {} }, ack, () => ({
      start: () => log.push(`start ${topic}#${ref}`),
      stop: () => log.push(`stop ${topic}#${ref}`),
    }));
  return { channels, sent, replies, log, join, ack, closeSocket: () => closed() };
}

describe('PhoenixChannels', () => {
  it('answers ok and then starts the feed; a second join of a topic closes the first channel', () => {
    const t = setup();
    t.join('tail:a', '1');
    t.join('tail:a', '2');
    expect(t.replies).toEqual([{ status: 'ok' }, { status: 'ok' }]);
    expect(t.log).toEqual(['start tail:a#1', 'stop tail:a#1', 'start tail:a#2']);
    expect(t.sent.map((f) => [f.topic, f.event, f.joinRef])).toEqual([['tail:a', 'phx_close', '1']]);
  });

  it('refuses a join over the limit with too_many_subscriptions, and stops every feed when the socket closes', () => {
    const t = setup(1);
    t.join('tail:a');
    t.join('lifecycle');
    expect(t.replies.at(-1)).toEqual({ status: 'error', reason: 'too_many_subscriptions' });
    t.closeSocket();
    expect(t.log).toEqual(['start tail:a#1', 'stop tail:a#1']);
  });

  it('leaves a joined topic with ok and phx_close; an unknown event is unsupported on a joined topic only', () => {
    const t = setup();
    t.join('tail:a');
    const frame = (topic: string, event: string): PhoenixFrame => ({
      joinRef: '1',
      ref: '9',
      topic,
      event,
      payload: {},
    });
    t.channels.unhandled(frame('tail:a', 'shout'), t.ack);
    t.channels.unhandled(frame('tail:b', 'shout'), t.ack);
    t.channels.leave(frame('tail:a', 'phx_leave'), t.ack);
    expect(t.replies.slice(1)).toEqual([
      { status: 'error', reason: 'unsupported_event' },
      { status: 'error', reason: 'unmatched topic' },
      { status: 'ok' },
    ]);
    expect(t.log.at(-1)).toBe('stop tail:a#1');
    expect(t.sent.at(-1)).toMatchObject({ topic: 'tail:a', event: 'phx_close' });
  });
});
