/**
 * At most one write in flight per partition, running behind the fetch.
 *
 * kafkajs fetches again only once every batch of its last fetch has been
 * handled, so a consumer that writes inside its batch handler leaves the broker
 * idle while Postgres writes, and Postgres idle while the broker fetches. The
 * projector instead starts the write of a batch here and returns; the next batch
 * of the partition waits (`settled`) only for that write, not for the fetch.
 *
 * A write handles its own failures (the projector backs off and seeks back to
 * the batch); a rejection that still escapes goes to `onError` and ends only
 * that write, so it never stalls the partition's next one.
 */
export class WriteBehind {
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(private readonly onError: (partition: number, error: unknown) => void) {}

  /** Starts `write` for `partition` once the partition's write in flight, if any, has ended. */
  start(partition: number, write: () => Promise<void>): void {
    const running = this.settled(partition)
      .then(write)
      .catch((error: unknown) => this.onError(partition, error))
      .finally(() => {
        if (this.inFlight.get(partition) === running) {
          this.inFlight.delete(partition);
        }
      });
    this.inFlight.set(partition, running);
  }

  /** Resolves once the partition's write in flight, if any, has ended. */
  settled(partition: number): Promise<void> {
    return this.inFlight.get(partition) ?? Promise.resolve();
  }

  /** Resolves once every write started so far has ended. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all(this.inFlight.values());
    }
  }
}
