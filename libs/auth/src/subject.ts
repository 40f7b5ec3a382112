/** Who a credential speaks for: `<type>:<id>`, type user, agent or service; recorded as the actor of its writes. */
export const SUBJECT_PATTERN = /^(user|agent|service):[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

export const SUBJECT_RULE = 'must be <user|agent|service>:<id>, id of 1-128 characters [A-Za-z0-9._@:-]';

export function isSubject(value: unknown): value is string {
  return typeof value === 'string' && SUBJECT_PATTERN.test(value);
}
