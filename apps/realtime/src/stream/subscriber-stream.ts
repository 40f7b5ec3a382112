import { ConversationStream } from './conversation-stream';
import { RunFollower } from './run-follower';

/** One client subscription: its conversation's message stream and its runs, delivered to one sink. */
export class SubscriberStream {
  constructor(
    private readonly messages: ConversationStream,
    private readonly runs: RunFollower,
  ) {}

  /** The seq the message stream started after; null until known for a live-only stream. */
  get startCursor(): number | null {
    return this.messages.startCursor;
  }

  /** Follows the runs and the messages; resolves once the messages caught up (or the stream stopped). */
  async start(): Promise<void> {
    void this.runs.start();
    await this.messages.start();
  }

  /** Stops both; nothing is delivered afterwards. */
  close(): void {
    this.messages.close();
  }
}
