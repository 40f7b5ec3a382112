import { z } from 'zod';

/** Participant ids: 1-128 characters of [A-Za-z0-9._:-], starting with a letter or digit (the same alphabet as conversation ids). */
export const PARTICIPANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** At most this many participants per conversation. */
export const MAX_PARTICIPANTS = 100;

export const PARTICIPANT_KINDS = ['user', 'agent', 'system'] as const;

export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

export const participantSchema = z.strictObject({
  id: z.string().regex(PARTICIPANT_ID_PATTERN, 'id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}'),
  kind: z.enum(PARTICIPANT_KINDS),
});

export type Participant = z.infer<typeof participantSchema>;

/** A conversation's whole participant list: ids unique, at most MAX_PARTICIPANTS. */
export const participantsSchema = z
  .array(participantSchema)
  .max(MAX_PARTICIPANTS, `at most ${MAX_PARTICIPANTS} participants`)
  .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'participant ids must be unique');

/**
 * The actor a participant appends as: the subject of its credential (`user:<id>`,
 * `agent:<id>`, `service:<id>` for a system participant). An agent's own messages
 * carry `agent:<id>` and never trigger its webhook.
 */
export function participantSubject(participant: Participant): string {
  return `${participant.kind === 'system' ? 'service' : participant.kind}:${participant.id}`;
}
