import { SubscriberOutput } from './run-output';

/**
 * Where a conversation stream hands its output: one protocol's view of one client
 * subscription (a ConversationStream alone hands on only its StreamOutput).
 */
export interface StreamSink<T = SubscriberOutput> {
  /**
   * Called in seq order (each run's outputs in run_seq order, a run's status after
   * its events). A 'deleted' entry is the last call; the stream has stopped by then.
   */
  deliver(output: T): void;
  /** Resolves when the client can take more; catch-up awaits it so a long history follows the client's pace. */
  whenWritable(): Promise<void>;
  /** The stream cannot go on (e.g. Postgres unreachable) and has stopped; the client should resume from its cursor. */
  fail(error: Error): void;
}
