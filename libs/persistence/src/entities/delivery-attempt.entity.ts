import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One HTTP attempt of a delivery: what was answered, or why nothing was. */
@Entity({ name: 'delivery_attempts' })
export class DeliveryAttemptEntity {
  @PrimaryColumn({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  /** 1-based, continuing across redeliveries. */
  @PrimaryColumn({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'http_status', type: 'integer', nullable: true })
  httpStatus!: number | null;

  /** The first 512 bytes of the response body. */
  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  /** Connection error, timeout or refusal reason; null when the receiver answered 2xx. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
