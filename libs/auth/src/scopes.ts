/** Every scope a credential can carry (docs/security.md has the table of what each allows). */
export const SCOPES = [
  'conversations:read',
  'conversations:write',
  'messages:append',
  'runs:write',
  'agents:manage',
  'deliveries:reply',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
