import { Injectable, Logger } from '@nestjs/common';
import { ConversationHub } from './conversation-hub';
import { lifecycleFrameOf, SessionLifecycleFrame } from './session-lifecycle';

export type LifecycleListener = (frame: SessionLifecycleFrame) => void;

/**
 * Session lifecycle frames (created, updated, archived, unarchived) by tenant,
 * from the live events the fan-out hands to ConversationHub. Live only: a
 * listener gets what happens after it subscribed, at least once (the fan-out may
 * hand an event over again after a rejoin; `session.version` tells a repeat).
 */
@Injectable()
export class SessionLifecycleHub {
  private readonly logger = new Logger(SessionLifecycleHub.name);
  private readonly listeners = new Map<string, Set<LifecycleListener>>();

  constructor(hub: ConversationHub) {
    hub.observe((event) => {
      const tenant = this.listeners.get(event.tenant_id);
      const frame = tenant ? lifecycleFrameOf(event) : null;
      if (tenant && frame) {
        this.notify(tenant, frame);
      }
    });
  }

  /** Follows one tenant's session lifecycle; returns the function that stops it. */
  subscribe(tenantId: string, listener: LifecycleListener): () => void {
    let set = this.listeners.get(tenantId);
    if (!set) {
      set = new Set();
      this.listeners.set(tenantId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(tenantId);
      if (current?.delete(listener) && current.size === 0) {
        this.listeners.delete(tenantId);
      }
    };
  }

  private notify(listeners: Set<LifecycleListener>, frame: SessionLifecycleFrame): void {
    for (const listener of [...listeners]) {
      try {
        listener(frame);
      } catch (error) {
        this.logger.error(`lifecycle listener failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
