/** Runs tasks one after another per partition: a batch and an age flush of the same partition never overlap. */
export class PartitionQueue {
  private readonly tails = new Map<number, Promise<void>>();

  run(partition: number, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const current = previous.then(task);
    this.tails.set(
      partition,
      current.catch(() => undefined),
    );
    return current;
  }

  /** Resolves once every task queued so far has finished. */
  async drain(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
