import { Admin, Kafka } from 'kafkajs';

/** A partition's offsets: the earliest Kafka still has (`low`) and the end (`high`, the next to be written). */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/**
 * Reads the offsets of every partition of one topic over an admin client it
 * keeps connected between reads; a failed read drops the client, and the next
 * read connects again. For periodic lag checks (the projector's, realtime's).
 */
export class TopicOffsetsReader {
  private admin: Admin | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async read(): Promise<PartitionOffsets[]> {
    try {
      const admin = await this.connected();
      return await admin.fetchTopicOffsets(this.topic);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin;
      await admin.connect();
    }
    return this.admin;
  }
}
