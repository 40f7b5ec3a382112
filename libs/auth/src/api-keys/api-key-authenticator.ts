import { Logger } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ApiKeyEntity } from '@threadline/persistence';
import { Authenticator } from '../authenticator';
import { Principal } from '../principal';
import { isScope } from '../scopes';
import { unauthorized } from '../unauthorized';
import { hashApiKey, isApiKeyShaped } from './api-key-format';

/** last_used_at is written at most this often per key (and instance), never on every request. */
export const LAST_USED_INTERVAL_MS = 60_000;

/** Lookups remembered at most; beyond, the oldest are forgotten (unknown keys cannot grow the cache without bound). */
const CACHE_MAX_ENTRIES = 10_000;

/** A lookup's outcome, with the principal built once per lookup rather than per request. */
interface CachedLookup {
  key: ApiKeyEntity | null;
  principal: Principal | null;
  until: number;
}

/**
 * API keys (`tl_...`), looked up by their SHA-256. A lookup, found or not, is
 * trusted for cacheMs (AUTH_KEY_CACHE_MS, at most 5 s): a revoked key stops
 * within it on every instance.
 */
export class ApiKeyAuthenticator extends Authenticator {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);
  private readonly cache = new Map<string, CachedLookup>();
  /** Lookups under way: concurrent requests with a key the cache lacks share one query. */
  private readonly inFlight = new Map<string, Promise<CachedLookup>>();
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly keys: Repository<ApiKeyEntity>,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async authenticate(credential: string | undefined): Promise<Principal> {
    if (credential === undefined) {
      throw unauthorized('No credential: send Authorization: Bearer <token>', false);
    }
    if (!isApiKeyShaped(credential)) {
      throw unauthorized('The API key is malformed', true);
    }
    const { key, principal } = await this.lookUp(hashApiKey(credential));
    if (key === null || principal === null) {
      throw unauthorized('The API key is unknown', true);
    }
    if (key.revokedAt !== null) {
      throw unauthorized('The API key is revoked', true);
    }
    this.touch(key.id);
    return principal;
  }

  private lookUp(keyHash: string): Promise<CachedLookup> {
    const cached = this.cache.get(keyHash);
    if (cached !== undefined && cached.until > this.now()) {
      return Promise.resolve(cached);
    }
    let lookup = this.inFlight.get(keyHash);
    if (lookup === undefined) {
      lookup = this.query(keyHash).finally(() => this.inFlight.delete(keyHash));
      this.inFlight.set(keyHash, lookup);
    }
    return lookup;
  }

  private async query(keyHash: string): Promise<CachedLookup> {
    const key = await this.keys.findOneBy({ keyHash });
    this.cache.delete(keyHash);
    if (this.cache.size >= CACHE_MAX_ENTRIES) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    const principal = key && {
      tenantId: key.tenantId,
      subject: key.subject,
      scopes: new Set(key.scopes.filter(isScope)),
    };
    const lookup = { key, principal, until: this.now() + this.cacheMs };
    this.cache.set(keyHash, lookup);
    return lookup;
  }

  private touch(id: string): void {
    const now = this.now();
    if (now - (this.lastTouched.get(id) ?? -Infinity) < LAST_USED_INTERVAL_MS) {
      return;
    }
    this.lastTouched.set(id, now);
    this.keys.update({ id }, { lastUsedAt: new Date(now) }).catch((error: unknown) => {
      this.logger.warn(`could not record the use of API key ${id}: ${String(error)}`);
    });
  }
}
