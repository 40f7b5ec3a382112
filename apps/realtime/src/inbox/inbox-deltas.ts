import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConversationEvent, conversationKey } from '@threadline/contracts';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { InboxEntry, InboxOwner, InboxReader } from '@threadline/persistence';
import { ConversationHub, TopicPosition } from '../live/conversation-hub';
import { ProjectorPosition } from '../live/projector-position';
import {
  ChangedConversation,
  changesInbox,
  conversationsPerOwner,
  laterChange,
  MembershipRow,
  passedByProjector,
} from './inbox-delta-plan';

/** Deltas go out at most this often per subscribed inbox. */
export const INBOX_DELTA_INTERVAL_MS = 1000;

/** How long a change is kept for inboxes subscribed after it: well past the time the projector takes to apply it. */
export const RECENT_CHANGES_MS = 10_000;

/** At most this many recent changes (one per conversation) are kept, the oldest dropped first. */
const RECENT_CHANGES_KEPT = 50_000;

export type InboxDeltaListener = (conversations: InboxEntry[]) => void;

interface Subscription {
  owner: InboxOwner;
  listeners: Set<InboxDeltaListener>;
}

/**
 * Live inbox deltas (`inbox_delta`): notes every conversation an event changed
 * (an append, a participant list) in a tenant with subscribed inboxes and, once a
 * second, sends each subscribed inbox the fresh entries (InboxReader, the same as
 * REST) of the changed conversations it is in. A change waits until the projector
 * has passed its event, so the entry always reflects it. A read cursor change
 * (ReadCursorListener) is already committed and goes out on the next tick.
 *
 * The fan-out runs ahead of the projector, so a client that subscribes and then
 * reads its inbox over REST (docs/api.md) can read it before the projector has
 * applied an event the hub saw before the subscription: every tenant's changes
 * of the last RECENT_CHANGES_MS are kept, and a new subscription takes its
 * tenant's as changed, so their delta goes out once the projector has them.
 */
@Injectable()
export class InboxDeltas extends PeriodicJob {
  private readonly subscriptions = new Map<string, Map<string, Subscription>>();
  private readonly changed = new Map<string, ChangedConversation>();
  /** Every tenant's latest change per conversation key with when it was seen, least recently seen first. */
  private readonly recent = new Map<string, { change: ChangedConversation; seenAt: number }>();

  constructor(
    hub: ConversationHub,
    private readonly reader: InboxReader,
    private readonly projector: ProjectorPosition,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super();
    hub.observe((event, at) => this.note(event, at));
  }

  /** Follows an inbox; returns the function that stops it. */
  subscribe(owner: InboxOwner, listener: InboxDeltaListener): () => void {
    const ownerKey = `${owner.participantId}\u0000${owner.kind ?? '*'}`;
    let tenant = this.subscriptions.get(owner.tenantId);
    if (!tenant) {
      tenant = new Map();
      this.subscriptions.set(owner.tenantId, tenant);
    }
    let subscription = tenant.get(ownerKey);
    if (!subscription) {
      subscription = { owner, listeners: new Set() };
      tenant.set(ownerKey, subscription);
    }
    subscription.listeners.add(listener);
    this.takeRecent(owner.tenantId);
    return () => {
      const current = this.subscriptions.get(owner.tenantId);
      const sub = current?.get(ownerKey);
      if (sub?.listeners.delete(listener) && sub.listeners.size === 0) {
        current?.delete(ownerKey);
        if (current?.size === 0) {
          this.subscriptions.delete(owner.tenantId);
        }
      }
    };
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'inbox deltas', intervalMs: INBOX_DELTA_INTERVAL_MS, unref: true };
  }

  /** One tick: what the projector has passed goes out, the rest (and all of it after a failure) waits for the next. */
  protected async runOnce(): Promise<void> {
    const changed = [...this.changed.values()].filter((c) => this.subscriptions.has(c.tenantId));
    this.changed.clear();
    if (changed.length === 0) {
      return;
    }
    let unsent = changed;
    try {
      const { ready, waiting } = passedByProjector(changed, await this.projectorOffsets(changed));
      unsent = waiting;
      const tenants = [...new Set(ready.map((c) => c.tenantId))];
      const failed = await Promise.all(
        tenants.map((tenantId) => {
          const ofTenant = ready.filter((c) => c.tenantId === tenantId);
          return this.sendTenant(
            tenantId,
            ofTenant.map((c) => c.conversationId),
          ).then(
            () => [],
            (error: Error) => {
              this.logger.warn(`inbox deltas of tenant ${tenantId}: ${error.message}; retrying on the next tick`);
              return ofTenant;
            },
          );
        }),
      );
      unsent = [...waiting, ...failed.flat()];
    } finally {
      unsent.forEach((c) => this.keep(c));
    }
  }

  /** The projector's stored next offset in each partition the changes are in. */
  private async projectorOffsets(changed: readonly ChangedConversation[]): Promise<Map<number, number>> {
    const partitions = [...new Set(changed.flatMap((c) => (c.at === null ? [] : [c.at.partition])))];
    const positions = await Promise.all(partitions.map((p) => this.projector.of(p)));
    return new Map(partitions.flatMap((p, i) => (positions[i] ? [[p, positions[i].nextOffset] as const] : [])));
  }

  /** A read cursor of the conversation moved (committed): its entries go out on the next tick. */
  noteReadCursor(tenantId: string, conversationId: string): void {
    if (this.subscriptions.has(tenantId)) {
      this.keep({ tenantId, conversationId, at: null });
    }
  }

  private note(event: ConversationEvent, at: TopicPosition): void {
    if (!changesInbox(event)) {
      return;
    }
    const change = { tenantId: event.tenant_id, conversationId: event.conversation_id, at };
    this.rememberRecent(change);
    if (this.subscriptions.has(event.tenant_id)) {
      this.keep(change);
    }
  }

  private rememberRecent(change: ChangedConversation): void {
    const key = conversationKey(change);
    this.recent.delete(key);
    this.recent.set(key, { change, seenAt: Date.now() });
    if (this.recent.size > RECENT_CHANGES_KEPT) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
  }

  /** The tenant's recent changes count as changed (a delta goes out once the projector has them). */
  private takeRecent(tenantId: string): void {
    const since = Date.now() - RECENT_CHANGES_MS;
    for (const [key, { change, seenAt }] of this.recent) {
      if (seenAt < since) {
        this.recent.delete(key);
      } else if (change.tenantId === tenantId) {
        this.keep(change);
      }
    }
  }

  private keep(change: ChangedConversation): void {
    const key = conversationKey({ tenantId: change.tenantId, conversationId: change.conversationId });
    this.changed.set(key, laterChange(this.changed.get(key), change));
  }

  private async sendTenant(tenantId: string, conversationIds: string[]): Promise<void> {
    const subscriptions = [...(this.subscriptions.get(tenantId)?.values() ?? [])];
    if (subscriptions.length === 0) {
      return;
    }
    const rows = await this.dataSource.query<MembershipRow[]>(
      `SELECT conversation_id, participant_id, kind FROM conversation_participants
       WHERE tenant_id = $1 AND conversation_id = ANY($2::text[]) AND participant_id = ANY($3::text[])`,
      [tenantId, conversationIds, [...new Set(subscriptions.map((s) => s.owner.participantId))]],
    );
    const perOwner = conversationsPerOwner(
      subscriptions.map((s) => s.owner),
      rows,
    );
    await Promise.all(
      subscriptions.map(async (subscription) => {
        const ids = perOwner.get(subscription.owner);
        if (!ids) {
          return;
        }
        const entries = await this.reader.entries(subscription.owner, ids);
        if (entries.length > 0) {
          subscription.listeners.forEach((listener) => listener(entries));
        }
      }),
    );
  }
}
