import type { UserId } from './ids.js';

export type Role = 'admin' | 'user';

/** Who asks: the authenticated caller, or the saga itself. */
export type Actor = { readonly kind: 'user'; readonly userId: UserId; readonly role: Role };

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';

/** The history's `actor` text: `user:<id>`, `admin:<id>`, or `system` for the saga's own moves. */
export type ActorLabel = `user:${number}` | `admin:${number}` | 'system';

export function actorLabel(actor: Actor | 'system'): ActorLabel {
  if (actor === 'system') return 'system';
  return actor.role === 'admin' ? `admin:${actor.userId}` : `user:${actor.userId}`;
}

/** True for text that is an ActorLabel (a label read back from the database). */
export const isActorLabel = (value: unknown): value is ActorLabel =>
  typeof value === 'string' && /^(?:system|user:\d+|admin:\d+)$/.test(value);
