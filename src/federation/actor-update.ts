import type { Context } from '@fedify/fedify';
import { PUBLIC_COLLECTION, Update, type Actor, type Recipient } from '@fedify/fedify/vocab';

/**
 * Tells other servers that a local actor changed (its keys after a rotation, or its profile):
 * an `Update` carrying the whole actor, delivered through the durable queue to the given
 * recipients (a shared inbox once per server). Peers replace what they cached, keys included.
 */
export async function sendActorUpdate(
  ctx: Context<void>,
  identifier: string,
  actor: Actor,
  recipients: readonly Recipient[],
): Promise<void> {
  if (recipients.length === 0 || !actor.id) return;
  const update = new Update({
    id: new URL(`${actor.id.href}#updates/${Date.now()}`),
    actor: actor.id,
    object: actor,
    tos: [PUBLIC_COLLECTION],
    ccs: actor.followersId ? [actor.followersId] : [],
  });
  await ctx.sendActivity({ identifier }, [...recipients], update, { preferSharedInbox: true });
}
