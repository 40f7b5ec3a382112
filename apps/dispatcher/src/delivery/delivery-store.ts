import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SecretBox } from '@threadline/auth';
import { runStatement } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { agentKey, ClaimedDelivery, claimedFromRow } from './claimed-delivery';
import {
  AttemptRecord,
  changeDelivery,
  ClaimedSqlRow,
  DeliveryChange,
  leaseReplies,
  lockDue,
  recordAttempt,
  startAttempts,
} from './delivery-statements';

/** Beyond an attempt's own timeout, how long its claim holds before another instance may try again. */
const LEASE_MARGIN_MS = 5000;

/** Decides, per locked row, whether this instance takes it now (circuit, per-agent cap). */
export type ClaimFilter = (delivery: ClaimedDelivery) => boolean;

/** How long an agent whose signing secret does not open under AGENT_SECRETS_KEY is left out of claims. */
const UNOPENABLE_RETRY_MS = 60_000;

/** The deliveries table as the worker uses it: claims and outcomes, each in one transaction. */
@Injectable()
export class DeliveryStore {
  private readonly logger = new Logger(DeliveryStore.name);
  private readonly box: SecretBox;
  /** Agents whose secret did not open, and until when they are left out. */
  private readonly unopenable = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {
    this.box = new SecretBox(config.agentSecretsKey);
  }

  /**
   * Claims up to `limit` due deliveries. Rows `take` refuses stay as they are
   * (their lock ends with the transaction); taken pending ones count an attempt.
   * A delivery whose agent's secret does not open (AGENT_SECRETS_KEY differs
   * from the command's) is not attempted: it waits, and the agent is left out
   * of claims for a minute so it cannot crowd out the others.
   */
  claim(excludedAgents: readonly string[], limit: number, take: ClaimFilter): Promise<ClaimedDelivery[]> {
    return this.dataSource.transaction(async (tx) => {
      const now = new Date();
      const excluded = [...excludedAgents, ...this.stillUnopenable(now.getTime())];
      const rows = await runStatement<ClaimedSqlRow[]>(tx, lockDue(excluded, limit));
      const taken = rows.flatMap((row) => this.open(row, now)).filter(take);
      const attempts = taken.filter((d) => d.status === 'pending').map((d) => d.id);
      const replies = taken.filter((d) => d.status === 'replying').map((d) => d.id);
      if (attempts.length > 0) {
        for (const statement of startAttempts(attempts, LEASE_MARGIN_MS)) {
          await runStatement(tx, statement);
        }
      }
      if (replies.length > 0) {
        await runStatement(tx, leaseReplies(replies, this.config.command.timeoutMs + LEASE_MARGIN_MS));
      }
      return taken;
    });
  }

  private open(row: ClaimedSqlRow, now: Date): ClaimedDelivery[] {
    try {
      return [claimedFromRow(row, this.box, now)];
    } catch (error) {
      const agent = agentKey({ tenantId: row.tenant_id, agentId: row.agent_id });
      this.unopenable.set(agent, now.getTime() + UNOPENABLE_RETRY_MS);
      this.logger.error(
        `agent ${agent}: its signing secret does not open with AGENT_SECRETS_KEY (${(error as Error).message}); ` +
          `its deliveries wait, tried again in ${UNOPENABLE_RETRY_MS / 1000} s`,
      );
      return [];
    }
  }

  private stillUnopenable(now: number): string[] {
    for (const [agent, until] of this.unopenable) {
      if (until <= now) {
        this.unopenable.delete(agent);
      }
    }
    return [...this.unopenable.keys()];
  }

  /** Records an attempt and what it made of the delivery; false when another instance took the delivery over. */
  finishAttempt(delivery: ClaimedDelivery, attempt: AttemptRecord, change: DeliveryChange): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      await runStatement(tx, recordAttempt(attempt));
      return this.change(tx, delivery, change);
    });
  }

  /** Applies the outcome of a reply call. */
  finishReply(delivery: ClaimedDelivery, change: DeliveryChange): Promise<boolean> {
    return this.change(this.dataSource.manager, delivery, change);
  }

  /** UPDATE ... RETURNING answers [rows, count] through TypeORM's query. */
  private async change(tx: EntityManager, delivery: ClaimedDelivery, change: DeliveryChange): Promise<boolean> {
    const [, count] = await runStatement<[unknown[], number]>(tx, changeDelivery(delivery.id, delivery, change));
    return count > 0;
  }
}
