import type { IncomingHttpHeaders } from 'node:http';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../../config/command.config';
import type { CommittedRunView, EndedRunView } from '../run.dto';
import { RunsService } from '../runs.service';
import { BatchBounds, RunEventBatcher } from './run-event-batcher';
import { SseDataParser, SseEncodingError } from './sse-data-parser';
import { ChunkStep, UiChunkError, UiChunkMapper } from './ui-chunk-mapper';

/** The most bytes one piped stream may send (docs/api.md, "Limits"). */
export const RUN_STREAM_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Batches of a piped stream: at most 64 events or 128 KiB (within the write path's batch limits, with room for
 * the record around the events), sent at the latest 50 ms after their first event.
 */
export function streamBatchBounds(runs: CommandConfig['runs']): BatchBounds {
  return {
    maxEvents: Math.min(64, runs.maxBatchEvents),
    maxBytes: Math.min(128 * 1024, Math.floor(runs.maxBatchBytes / 2)),
    maxDelayMs: 50,
  };
}

/** A request body as the route reads it: its headers and its bytes as they arrive. */
export interface StreamBody extends AsyncIterable<Buffer> {
  headers: IncomingHttpHeaders;
}

/** How the piped stream ended; `end` is what the route answers. */
type Ending = { end: 'commit' } | { end: 'fail'; message: string } | { end: 'cancel' } | { end: 'unfinished' };

/** The stream broke a rule: the run fails with this message (reason stream_error) and the route answers `error`. */
class StreamRefusal extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/**
 * POST /v1/runs/{run_id}/stream: reads an AI SDK UI message stream as it
 * arrives, maps its chunks to run events, sends them through RunsService in
 * batches, one at a time, and ends the run as the stream ends (docs/runs.md,
 * "Piping an AI SDK UI message stream"): [DONE], or the end after a `finish`
 * chunk, commits; an `error` chunk fails the run (stream_error); `abort` cancels
 * it. A stream that breaks a rule (not UTF-8, a bad chunk, over the byte limit)
 * fails the run and is answered 400 or 413. A client that goes away leaves the
 * run streaming, with every event it sent; the idle reaper ends it.
 */
@Injectable()
export class RunStreamService {
  private readonly logger = new Logger(RunStreamService.name);

  private readonly batches: BatchBounds;

  constructor(
    private readonly runs: RunsService,
    @Inject(COMMAND_CONFIG) config: CommandConfig,
  ) {
    this.batches = streamBatchBounds(config.runs);
  }

  async pipe(principal: Principal, runId: string, body: StreamBody): Promise<CommittedRunView | EndedRunView> {
    checkHeaders(body.headers);
    const batcher = new RunEventBatcher(this.batches, (events, producerSeq) =>
      this.runs.appendEvents(principal, runId, events, producerSeq),
    );
    let ending: Ending;
    try {
      ending = await this.read(body, batcher);
    } catch (error) {
      if (!(error instanceof StreamRefusal)) {
        throw error;
      }
      await batcher.flush();
      await this.runs.fail(principal, runId, error.error.message, 'stream_error');
      throw error.error;
    }
    await batcher.flush();
    switch (ending.end) {
      case 'commit':
        return this.runs.commit(principal, runId);
      case 'fail':
        return this.runs.fail(principal, runId, ending.message, 'stream_error');
      case 'cancel':
        return this.runs.cancel(principal, runId);
      case 'unfinished':
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          'invalid_ui_message_stream',
          'The stream ended without a finish chunk or data: [DONE]; the run is still streaming',
        );
    }
  }

  /** Reads the body until a chunk ends the run or the body ends; a body cut off by the client ends as unfinished. */
  private async read(body: StreamBody, batcher: RunEventBatcher): Promise<Ending> {
    const parser = new SseDataParser();
    const mapper = new UiChunkMapper();
    const pieces = body[Symbol.asyncIterator]();
    let finished = false;
    let bytes = 0;
    for (;;) {
      const piece = await this.nextPiece(pieces);
      if (piece === null) {
        return { end: 'unfinished' };
      }
      if (piece !== 'end') {
        bytes += piece.byteLength;
        if (bytes > RUN_STREAM_MAX_BYTES) {
          throw new StreamRefusal(
            new ApiError(
              HttpStatus.PAYLOAD_TOO_LARGE,
              'payload_too_large',
              `The stream is over ${RUN_STREAM_MAX_BYTES} bytes`,
            ),
          );
        }
      }
      for (const data of refusing(() => (piece === 'end' ? parser.end() : parser.push(piece)))) {
        const step = refusing(() => mapper.step(data));
        const ending = endingOf(step);
        if (ending !== null) {
          return ending;
        }
        finished ||= step.kind === 'finish';
        if (step.kind === 'events') {
          await batcher.add(step.events);
        }
      }
      if (piece === 'end') {
        return finished ? { end: 'commit' } : { end: 'unfinished' };
      }
    }
  }

  /** The next piece of the body, 'end' at its end, null when the client went away. */
  private async nextPiece(pieces: AsyncIterator<Buffer>): Promise<Buffer | 'end' | null> {
    try {
      const next = await pieces.next();
      return next.done === true ? 'end' : next.value;
    } catch (error) {
      this.logger.warn(`The client of a piped stream went away: ${String(error)}`);
      return null;
    }
  }
}

/** What a chunk does to the run: null while the stream goes on. */
function endingOf(step: ChunkStep): Ending | null {
  switch (step.kind) {
    case 'done':
      return { end: 'commit' };
    case 'fail':
      return { end: 'fail', message: step.message };
    case 'cancel':
      return { end: 'cancel' };
    default:
      return null;
  }
}

/** Runs a step of the parser or mapper; a stream that breaks a rule becomes a refusal (400 invalid_ui_message_stream). */
function refusing<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof UiChunkError || error instanceof SseEncodingError) {
      throw new StreamRefusal(new ApiError(HttpStatus.BAD_REQUEST, 'invalid_ui_message_stream', error.message));
    }
    throw error;
  }
}

/** Only a plain `text/event-stream` body is read: another type is 400, a content encoding 415. */
function checkHeaders(headers: IncomingHttpHeaders): void {
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'text/event-stream') {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'invalid_ui_message_stream',
      'content-type must be text/event-stream (an AI SDK UI message stream)',
    );
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') {
    throw new ApiError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_encoding',
      `content-encoding ${encoding} is not taken`,
    );
  }
}
