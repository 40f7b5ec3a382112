/** A random id of `bytes` bytes as hex, from the platform's CSPRNG (browsers and Node alike). */
export function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The producer pair of a client's appends: one producer id per client and a counter, so each append has a pair of
 * its own and a retry of it (same pair, same content) is answered with the original seq, never written twice.
 */
export class ProducerSequence {
  private seq = 0;

  constructor(readonly producerId: string = `sdk-${randomHex(8)}`) {}

  next(): { producer_id: string; producer_seq: number } {
    this.seq += 1;
    return { producer_id: this.producerId, producer_seq: this.seq };
  }
}
