import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';
import { secretBoxProvider } from './secret-box.provider';

/** The agents registry (scope agents:manage); conversations use it to check agent participants. */
@Module({
  controllers: [AgentsController],
  providers: [AgentsService, secretBoxProvider],
  exports: [AgentsService],
})
export class AgentsModule {}
