import { Injectable, NotImplementedException } from '@nestjs/common';
import type { Principal } from '@threadline/auth';
import type { ConversationRef, RunEventBody } from '@threadline/contracts';
import { AppendedRunEventsView, CommittedRunView, EndedRunView, StartedRunView, StartRunDto } from './run.dto';

/** The runs write path (docs/runs.md): start, events, commit, fail, cancel. */
@Injectable()
export class RunsService {
  start(_ref: ConversationRef, _actor: string, _dto: StartRunDto): Promise<StartedRunView> {
    throw new NotImplementedException();
  }

  appendEvents(
    _principal: Principal,
    _runId: string,
    _events: RunEventBody[],
    _producerSeq?: number,
  ): Promise<AppendedRunEventsView> {
    throw new NotImplementedException();
  }

  commit(_principal: Principal, _runId: string): Promise<CommittedRunView> {
    throw new NotImplementedException();
  }

  fail(
    _principal: Principal,
    _runId: string,
    _message: string | null,
    _reason: 'requested' | 'stream_error',
  ): Promise<EndedRunView> {
    throw new NotImplementedException();
  }

  cancel(_principal: Principal, _runId: string): Promise<EndedRunView> {
    throw new NotImplementedException();
  }
}
