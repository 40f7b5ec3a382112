import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AgentStatus = 'enabled' | 'disabled';
export type AgentHistoryMode = 'none' | 'tail' | 'entire';

/** An agent of a tenant, reached by a signed webhook (docs/agents.md). */
@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'webhook_url', type: 'text' })
  webhookUrl!: string;

  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts!: number;

  @Column({ name: 'history_mode', type: 'text' })
  historyMode!: AgentHistoryMode;

  @Column({ name: 'history_limit', type: 'integer', nullable: true })
  historyLimit!: number | null;

  @Column({ name: 'debounce_ms', type: 'integer' })
  debounceMs!: number;

  @Column({ type: 'text' })
  status!: AgentStatus;

  /** Sealed with `sealSecret` (AES-256-GCM under AGENT_SECRETS_KEY); never returned after create or rotate. */
  @Column({ name: 'signing_secret', type: 'text' })
  signingSecret!: string;

  /** The secret before the last rotation, sealed; it still signs until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_signing_secret', type: 'text', nullable: true })
  previousSigningSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
