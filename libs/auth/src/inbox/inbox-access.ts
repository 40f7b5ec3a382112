import { HttpStatus } from '@nestjs/common';
import type { Participant, ParticipantKind } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { Principal } from '../principal';

/** Whose inbox entries a caller sees: one kind of the participant id (its own inbox) or every kind (a service). */
export type InboxView = { kind: ParticipantKind } | { kind: 'any' };

/**
 * Who may read the inbox of participant `participantId` (REST and live), with the
 * scope `conversations:read` already checked: a user or agent credential reads
 * only its own inbox (subject `user:<id>` / `agent:<id>`, and only the
 * conversations it is in as that kind); a service credential reads any
 * participant's inbox of its tenant. A token pinned to one conversation reads no
 * inbox (an inbox spans conversations). 403 `forbidden_inbox` otherwise.
 */
export function inboxView(principal: Principal, participantId: string): InboxView {
  const caller = principalParticipant(principal);
  if (principal.conversationId === undefined) {
    if (caller.kind === 'system') {
      return { kind: 'any' };
    }
    if (caller.id === participantId) {
      return { kind: caller.kind };
    }
  }
  throw new ApiError(
    HttpStatus.FORBIDDEN,
    'forbidden_inbox',
    `This credential cannot read the inbox of participant ${participantId}`,
  );
}

/** The participant a principal acts as: `user:<id>` → user, `agent:<id>` → agent, `service:<id>` → system. */
export function principalParticipant(principal: Principal): Participant {
  const colon = principal.subject.indexOf(':');
  const type = principal.subject.slice(0, colon);
  return { id: principal.subject.slice(colon + 1), kind: type === 'service' ? 'system' : (type as ParticipantKind) };
}
