import type { Principal } from '@threadline/auth';
import type { RunEventBody } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import type { CommandConfig } from '../../config/command.config';
import type { RunsService } from '../runs.service';
import { RUN_STREAM_MAX_BYTES, RunStreamService, StreamBody } from './run-stream.service';

const principal = { tenantId: 'acme', subject: 'agent:writer' } as Principal;
const config = { runs: { maxBatchEvents: 500, maxBatchBytes: 256 * 1024 } } as CommandConfig;

/** A RunsService that records what the stream asked of the run; `refusal` is how it answers every batch. */
function fakeRuns(refusal?: ApiError) {
  const calls: (string | { batch: string[]; producerSeq: number })[] = [];
  const runs = {
    appendEvents: (_p: Principal, _r: string, events: RunEventBody[], producerSeq: number) => {
      if (refusal) {
        return Promise.reject(refusal);
      }
      calls.push({ batch: events.map((e) => (e.kind === 'text-delta' ? e.delta : e.kind)), producerSeq });
      return Promise.resolve({});
    },
    commit: () => {
      calls.push('commit');
      return Promise.resolve({ status: 'committed' });
    },
    fail: (_p: Principal, _r: string, message: string | null, reason: string) => {
      calls.push(`fail ${reason}: ${message}`);
      return Promise.resolve({ status: 'failed' });
    },
    cancel: () => {
      calls.push('cancel');
      return Promise.resolve({ status: 'cancelled' });
    },
  };
  return { service: new RunStreamService(runs as unknown as RunsService, config), calls };
}

/** A body of these pieces; `thenFail` makes reading it throw after them, as a dropped connection does. */
function body(pieces: string[], headers: Record<string, string> = {}, thenFail = false): StreamBody {
  return {
    headers: { 'content-type': 'text/event-stream', ...headers },
    async *[Symbol.asyncIterator]() {
      for (const piece of pieces) {
        yield Buffer.from(piece);
        await Promise.resolve();
      }
      if (thenFail) {
        throw new Error('aborted');
      }
    },
  };
}

const sse = (...chunks: unknown[]) => chunks.map((c) => `data: ${typeof c === 'string' ? c : JSON.stringify(c)}\n\n`);
const delta = (text: string) => ({ type: 'text-delta', id: 't', delta: text });

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const api = error as ApiError;
  return { status: api.status, code: api.code, message: api.message };
}

describe('RunStreamService', () => {
  it('sends the events before [DONE], then commits and answers the commit', async () => {
    const { service, calls } = fakeRuns();
    const answer = await service.pipe(principal, 'run_1', body(sse(delta('a'), delta('b'), '[DONE]', delta('late'))));
    expect(answer).toEqual({ status: 'committed' });
    expect(calls).toEqual([{ batch: ['a', 'b'], producerSeq: 1 }, 'commit']);
  });

  it('commits at the end of a body whose last chunk was finish, without [DONE]', async () => {
    const { service, calls } = fakeRuns();
    await service.pipe(principal, 'run_1', body(sse(delta('a'), { type: 'finish' })));
    expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }, 'commit']);
  });

  it('fails the run with the error chunk text (stream_error) after sending the events before it', async () => {
    const { service, calls } = fakeRuns();
    const answer = await service.pipe(principal, 'run_1', body(sse(delta('a'), { type: 'error', errorText: 'boom' })));
    expect(answer).toEqual({ status: 'failed' });
    expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }, 'fail stream_error: boom']);
  });

  it('cancels the run on an abort chunk', async () => {
    const { service, calls } = fakeRuns();
    await service.pipe(principal, 'run_1', body(sse(delta('a'), { type: 'abort' })));
    expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }, 'cancel']);
  });

  it('keeps the events and leaves the run streaming when the client goes away or stops without finish', async () => {
    for (const thenFail of [true, false]) {
      const { service, calls } = fakeRuns();
      const answer = await refusal(service.pipe(principal, 'run_1', body(sse(delta('a')), {}, thenFail)));
      expect(answer).toMatchObject({ status: 400, code: 'invalid_ui_message_stream' });
      expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }]);
    }
  });

  it('fails the run (stream_error) and answers 400 naming the chunk when a chunk breaks its rules', async () => {
    const { service, calls } = fakeRuns();
    const answer = await refusal(service.pipe(principal, 'run_1', body(sse(delta('a'), { type: 'text-delta' }))));
    expect(answer).toMatchObject({ status: 400, code: 'invalid_ui_message_stream' });
    expect(answer.message).toContain('chunk 2 (text-delta)');
    expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }, `fail stream_error: ${answer.message}`]);
  });

  it('fails the run and answers 413 once the body is over the byte limit', async () => {
    const { service, calls } = fakeRuns();
    const pieces = [...sse(delta('a')), ' '.repeat(RUN_STREAM_MAX_BYTES)];
    const answer = await refusal(service.pipe(principal, 'run_1', body(pieces)));
    expect(answer).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(calls).toEqual([{ batch: ['a'], producerSeq: 1 }, `fail stream_error: ${answer.message}`]);
  });

  it.each<[string, Record<string, string>, number, string]>([
    ['a body that is not text/event-stream', { 'content-type': 'application/json' }, 400, 'invalid_ui_message_stream'],
    ['a content encoding', { 'content-encoding': 'gzip' }, 415, 'unsupported_encoding'],
  ])('refuses %s before reading anything, leaving the run as it was', async (_name, headers, status, code) => {
    const { service, calls } = fakeRuns();
    const answer = await refusal(service.pipe(principal, 'run_1', body(sse(delta('a'), '[DONE]'), headers)));
    expect(answer).toMatchObject({ status, code });
    expect(calls).toEqual([]);
  });

  it('stops reading and answers the refusal of the write path (another client cancelled the run)', async () => {
    const { service, calls } = fakeRuns(new ApiError(409, 'run_cancelled', 'The run was cancelled'));
    const answer = await refusal(service.pipe(principal, 'run_1', body(sse(delta('a'), '[DONE]'))));
    expect(answer).toMatchObject({ status: 409, code: 'run_cancelled' });
    expect(calls).toEqual([]);
  });
});
