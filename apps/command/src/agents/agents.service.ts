import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, QueryFailedError, Repository } from 'typeorm';
import { newSigningSecret, SecretBox } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { AgentEntity } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import {
  AgentList,
  AgentView,
  AgentWithSecretView,
  CreateAgentDto,
  historyLimitOf,
  ListAgentsQuery,
  toAgentView,
  UpdateAgentDto,
} from './agent.dto';

const UNIQUE_VIOLATION = '23505';

/**
 * A tenant's agents (docs/api.md, "Agents"). Signing secrets are sealed with
 * SecretBox before they reach Postgres and shown only in the answers to create
 * and rotate-secret; the dispatcher opens them to sign.
 */
@Injectable()
export class AgentsService {
  constructor(
    @InjectRepository(AgentEntity) private readonly agents: Repository<AgentEntity>,
    private readonly secrets: SecretBox,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async create(tenantId: string, dto: CreateAgentDto): Promise<AgentWithSecretView> {
    const secret = newSigningSecret();
    const now = new Date();
    const row = this.agents.create({
      tenantId,
      id: dto.id,
      name: dto.name ?? null,
      webhookUrl: dto.webhook_url,
      headers: dto.headers,
      timeoutMs: dto.timeout_ms,
      maxAttempts: dto.max_attempts,
      historyMode: dto.history.mode,
      historyLimit: historyLimitOf(dto.history),
      debounceMs: dto.debounce_ms,
      status: dto.status,
      signingSecret: this.secrets.seal(secret),
      previousSigningSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.agents.insert(row);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ApiError(HttpStatus.CONFLICT, 'agent_exists', `id: an agent ${dto.id} already exists`);
      }
      throw error;
    }
    return { ...toAgentView(row), signing_secret: secret };
  }

  /** Ordered by id; `cursor` is the last id of the previous page. */
  async list(tenantId: string, query: ListAgentsQuery): Promise<AgentList> {
    const rows = await this.agents.find({
      where: query.cursor === undefined ? { tenantId } : { tenantId, id: MoreThan(query.cursor) },
      order: { id: 'ASC' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      agents: page.map(toAgentView),
      next_cursor: rows.length > query.limit ? page[page.length - 1].id : null,
    };
  }

  async get(tenantId: string, id: string): Promise<AgentView> {
    return toAgentView(await this.find(tenantId, id));
  }

  /** The agent row of the tenant, or 404 not_found (another tenant's agent of that id is not this one). */
  async find(tenantId: string, id: string): Promise<AgentEntity> {
    const row = await this.agents.findOneBy({ tenantId, id });
    if (!row) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No agent ${id}`);
    }
    return row;
  }

  /** Of `ids`, those that name a registered agent of the tenant (in any status). */
  async registered(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) {
      return new Set();
    }
    const rows = await this.agents.find({ select: { id: true }, where: { tenantId, id: In(ids) } });
    return new Set(rows.map((row) => row.id));
  }

  async update(tenantId: string, id: string, dto: UpdateAgentDto): Promise<AgentView> {
    const changes: Partial<AgentEntity> = {
      ...(dto.name !== undefined && { name: dto.name }),
      ...(dto.webhook_url !== undefined && { webhookUrl: dto.webhook_url }),
      ...(dto.headers !== undefined && { headers: dto.headers }),
      ...(dto.timeout_ms !== undefined && { timeoutMs: dto.timeout_ms }),
      ...(dto.max_attempts !== undefined && { maxAttempts: dto.max_attempts }),
      ...(dto.history !== undefined && { historyMode: dto.history.mode, historyLimit: historyLimitOf(dto.history) }),
      ...(dto.debounce_ms !== undefined && { debounceMs: dto.debounce_ms }),
      ...(dto.status !== undefined && { status: dto.status }),
    };
    return this.change(tenantId, id, changes);
  }

  /** Disables the agent: the dispatcher stops attempting its deliveries and keeps them. Again: no change. */
  async disable(tenantId: string, id: string): Promise<void> {
    await this.change(tenantId, id, { status: 'disabled' });
  }

  /**
   * A new signing secret, shown once; the one it replaces keeps signing next to it
   * for AGENT_SECRET_GRACE_S. One statement, so two rotations never lose a secret
   * between them.
   */
  async rotateSecret(tenantId: string, id: string): Promise<AgentWithSecretView> {
    const secret = newSigningSecret();
    const now = new Date();
    const [updated]: [unknown[], number] = await this.agents.query(
      `UPDATE agents SET previous_signing_secret = signing_secret, signing_secret = $3,
         previous_secret_expires_at = $4, updated_at = $5
       WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [tenantId, id, this.secrets.seal(secret), new Date(now.getTime() + this.config.agents.secretGraceS * 1000), now],
    );
    if (updated.length === 0) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No agent ${id}`);
    }
    return { ...(await this.get(tenantId, id)), signing_secret: secret };
  }

  private async change(tenantId: string, id: string, changes: Partial<AgentEntity>): Promise<AgentView> {
    const result = await this.agents.update({ tenantId, id }, { ...changes, updatedAt: new Date() });
    if (result.affected === 0) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `No agent ${id}`);
    }
    return this.get(tenantId, id);
  }
}
