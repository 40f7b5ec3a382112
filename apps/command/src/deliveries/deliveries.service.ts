import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiError } from '@threadline/errors';
import { DeliveryAttemptEntity, DeliveryEntity } from '@threadline/persistence';
import { AgentsService } from '../agents/agents.service';
import {
  DeliveryDetailView,
  DeliveryList,
  DeliveryView,
  encodeDeliveryCursor,
  isDeliveryId,
  ListDeliveriesQuery,
  toDeliveryDetailView,
  toDeliveryView,
} from './delivery.dto';

/**
 * The delivery log the dispatcher writes (deliveries, delivery_attempts), read and
 * redelivered through the command, always within the caller's tenant.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    @InjectRepository(DeliveryEntity) private readonly deliveries: Repository<DeliveryEntity>,
    @InjectRepository(DeliveryAttemptEntity) private readonly attempts: Repository<DeliveryAttemptEntity>,
    private readonly agents: AgentsService,
  ) {}

  /** An agent's deliveries, newest first, a keyset page at a time. */
  async listForAgent(tenantId: string, agentId: string, query: ListDeliveriesQuery): Promise<DeliveryList> {
    await this.agents.find(tenantId, agentId);
    const select = this.deliveries
      .createQueryBuilder('d')
      .addSelect('((extract(epoch from d.created_at) * 1000000)::bigint)::text', 'created_us')
      .where('d.tenant_id = :tenantId AND d.agent_id = :agentId', { tenantId, agentId })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(query.limit + 1);
    if (query.status !== undefined) {
      select.andWhere('d.status = :status', { status: query.status });
    }
    if (query.conversation_id !== undefined) {
      select.andWhere('d.conversation_id = :conversationId', { conversationId: query.conversation_id });
    }
    if (query.cursor !== undefined) {
      select.andWhere(
        `(d.created_at, d.id) < (timestamptz 'epoch' + (:createdUs)::bigint * interval '1 microsecond', :cursorId)`,
        { createdUs: query.cursor.createdUs, cursorId: query.cursor.id },
      );
    }
    const { entities, raw } = await select.getRawAndEntities<{ created_us: string }>();
    const page = entities.slice(0, query.limit);
    const last = page[page.length - 1];
    const lastRaw = raw[page.length - 1];
    return {
      deliveries: page.map(toDeliveryView),
      next_cursor:
        entities.length > query.limit ? encodeDeliveryCursor({ createdUs: lastRaw.created_us, id: last.id }) : null,
    };
  }

  /** The delivery with every attempt, oldest first; 404 not_found outside the tenant. */
  async get(tenantId: string, id: string): Promise<DeliveryDetailView> {
    const row = await this.find(id, tenantId);
    const attempts = await this.attempts.find({ where: { deliveryId: id }, order: { attempt: 'ASC' } });
    return toDeliveryDetailView(row, attempts);
  }

  /**
   * Sends a dead or failed delivery again, under the same id (so the same
   * webhook-id): pending now, with the agent's max_attempts more attempts. One
   * statement, so it cannot race the dispatcher's own update of the row.
   */
  async redeliver(tenantId: string, id: string): Promise<DeliveryView> {
    if (!isDeliveryId(id)) {
      throw notFound(id);
    }
    const [updated]: [unknown[], number] = await this.deliveries.query(
      `UPDATE deliveries d SET status = 'pending', next_attempt_at = now(),
         attempts_allowed = d.attempts + a.max_attempts, completed_at = NULL, updated_at = now()
       FROM agents a
       WHERE d.id = $1 AND d.tenant_id = $2 AND d.status IN ('dead', 'failed')
         AND a.tenant_id = d.tenant_id AND a.id = d.agent_id
       RETURNING d.id`,
      [id, tenantId],
    );
    const row = await this.find(id, tenantId);
    if (updated.length === 0) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'not_redeliverable',
        `Delivery ${id} is ${row.status}: only a dead or failed delivery can be redelivered`,
        { status: row.status },
      );
    }
    return toDeliveryView(row);
  }

  /** The delivery of that id in the tenant, or in any tenant when `tenantId` is null (deliveries:reply). */
  async find(id: string, tenantId: string | null): Promise<DeliveryEntity> {
    const row = isDeliveryId(id)
      ? await this.deliveries.findOneBy(tenantId === null ? { id } : { id, tenantId })
      : null;
    if (!row) {
      throw notFound(id);
    }
    return row;
  }
}

/** A delivery id that is not a UUID, or names no delivery of the tenant. */
function notFound(id: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No delivery ${id}`);
}
