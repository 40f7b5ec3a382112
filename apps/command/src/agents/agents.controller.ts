import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import {
  AgentList,
  AgentView,
  AgentWithSecretView,
  CreateAgentDto,
  createAgentSchema,
  ListAgentsQuery,
  listAgentsQuerySchema,
  UpdateAgentDto,
  updateAgentSchema,
} from './agent.dto';
import { AgentIdPipe } from './agent-id.pipe';
import { AgentsService } from './agents.service';

/** The agents registry of the caller's tenant (the tenant comes from the credential only). */
@Controller('v1/agents')
@RequireScopes('agents:manage')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(createAgentSchema, 'bad_request')) body: CreateAgentDto,
  ): Promise<AgentWithSecretView> {
    return this.agents.create(principal.tenantId, body);
  }

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(listAgentsQuerySchema, 'invalid_query')) query: ListAgentsQuery,
  ): Promise<AgentList> {
    return this.agents.list(principal.tenantId, query);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id', AgentIdPipe) id: string): Promise<AgentView> {
    return this.agents.get(principal.tenantId, id);
  }

  @Patch(':id')
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', AgentIdPipe) id: string,
    @Body(new ZodValidationPipe(updateAgentSchema, 'bad_request')) body: UpdateAgentDto,
  ): Promise<AgentView> {
    return this.agents.update(principal.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  disable(@CurrentPrincipal() principal: Principal, @Param('id', AgentIdPipe) id: string): Promise<void> {
    return this.agents.disable(principal.tenantId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(HttpStatus.OK)
  rotateSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('id', AgentIdPipe) id: string,
  ): Promise<AgentWithSecretView> {
    return this.agents.rotateSecret(principal.tenantId, id);
  }
}
