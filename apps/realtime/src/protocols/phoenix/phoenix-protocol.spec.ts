import { decodeFrame, encodeFrame, parseJoin, pushFrame, replyFrame } from './phoenix-protocol';

describe('phoenix protocol (JSON serializer v2)', () => {
  it('decodes and encodes [join_ref, ref, topic, event, payload]', () => {
    const frame = decodeFrame('["1","1","conversation:c1","phx_join",{"cursor":3}]');
    expect(frame).toEqual({
      joinRef: '1',
      ref: '1',
      topic: 'conversation:c1',
      event: 'phx_join',
      payload: { cursor: 3 },
    });
    expect(encodeFrame(replyFrame(frame!, 'ok'))).toBe(
      '["1","1","conversation:c1","phx_reply",{"status":"ok","response":{}}]',
    );
  });

  it('decodes the heartbeat, whose join_ref is null', () => {
    expect(decodeFrame('[null,"7","phoenix","heartbeat",{}]')).toMatchObject({ joinRef: null, ref: '7' });
  });

  it.each(['nope', '{"topic":"x"}', '[1,2,3]', '["1","1",5,"phx_join",{}]'])('rejects %s', (text) => {
    expect(decodeFrame(text)).toBeNull();
  });

  it('parses joins: cursor and run cursors optional, invalid ones named', () => {
    expect(parseJoin('conversation:c1', {})).toEqual({
      ok: true,
      request: { conversationId: 'c1', cursor: null, runCursors: new Map() },
    });
    expect(parseJoin('conversation:c1', { cursor: 10, run_cursors: { run_a: 4 } })).toEqual({
      ok: true,
      request: { conversationId: 'c1', cursor: 10, runCursors: new Map([['run_a', 4]]) },
    });
    expect(parseJoin('conversation:c1', { cursor: -1 })).toEqual({ ok: false, reason: 'invalid_cursor' });
    expect(parseJoin('conversation:c1', { run_cursors: 'run_a:1' })).toEqual({ ok: false, reason: 'invalid_cursor' });
    expect(parseJoin('conversation:c1', { run_cursors: { run_a: -1 } })).toEqual({
      ok: false,
      reason: 'invalid_cursor',
    });
    expect(parseJoin('conversation:', {})).toEqual({ ok: false, reason: 'invalid_conversation_id' });
    expect(parseJoin('room:lobby', {})).toEqual({ ok: false, reason: 'unmatched topic' });
  });

  it('pushes run events with their fields and run statuses', () => {
    const event = { kind: 'text-delta' as const, delta: 'he', run_seq: 3 };
    expect(pushFrame('conversation:c1', '3', { kind: 'run_event', runId: 'run_a', seq: 3, event })).toMatchObject({
      event: 'run_event',
      payload: { type: 'run_event', run_id: 'run_a', run_seq: 3, kind: 'text-delta', delta: 'he' },
    });
    const status = { status: 'cancelled' as const, reason: 'requested' as const, lastRunSeq: 3, messageSeqs: [] };
    expect(pushFrame('conversation:c1', '3', { kind: 'run_status', runId: 'run_a', ...status })).toMatchObject({
      event: 'run_status',
      payload: { type: 'run_status', run_id: 'run_a', status: 'cancelled', reason: 'requested', last_run_seq: 3 },
    });
  });

  it('pushes FleetLM-shaped events', () => {
    const message = { role: 'user', parts: [{ type: 'text', text: 'hi' }], metadata: {}, token_count: 1 };
    expect(
      pushFrame('conversation:c1', '3', {
        kind: 'message',
        seq: 4,
        version: 4,
        message,
        insertedAt: 'x',
        author: { actor: null, producerId: null, producerSeq: null },
      }),
    ).toEqual({
      joinRef: '3',
      ref: null,
      topic: 'conversation:c1',
      event: 'message',
      payload: { type: 'message', seq: 4, version: 4, message },
    });
    expect(pushFrame('t', '3', { kind: 'gap', expected: 2, actual: 5 }).payload).toEqual({
      type: 'gap',
      expected: 2,
      actual: 5,
    });
    expect(pushFrame('t', '3', { kind: 'deleted', seq: 8, lastSeq: 7 })).toMatchObject({
      event: 'tombstone',
      payload: { type: 'tombstone', conversation: true, last_seq: 7 },
    });
  });
});
