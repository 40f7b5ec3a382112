import { StreamOutput } from './stream-entry';

/** Where a conversation stream hands its output: one protocol's view of one client subscription. */
export interface StreamSink {
  /** Called in seq order. A 'deleted' entry is the last call; the stream has stopped by then. */
  deliver(output: StreamOutput): void;
  /** Resolves when the client can take more; catch-up awaits it so a long history follows the client's pace. */
  whenWritable(): Promise<void>;
  /** The stream cannot go on (e.g. Postgres unreachable) and has stopped; the client should resume from its cursor. */
  fail(error: Error): void;
}
