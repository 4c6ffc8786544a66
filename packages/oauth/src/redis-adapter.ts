import type { Redis } from "ioredis";
import type { Adapter, AdapterPayload } from "oidc-provider";

/** Models whose rows are grouped by grant, so that revoking a grant ends all of its tokens. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "ClientCredentials",
  "BackchannelAuthenticationRequest",
]);

/**
 * oidc-provider's state in Redis (sessions, interactions, grants, codes, tokens), every key
 * with a TTL so nothing outlives its lifetime, under the installation's prefix. Shared by
 * every console replica. Clients live in Postgres instead (client-adapter.ts).
 */
export function redisAdapterFactory(redis: Redis, prefix: string): new (model: string) => Adapter {
  const key = (model: string, id: string) => `${prefix}:oauth:${model}:${id}`;
  const grantKey = (grantId: string) => `${prefix}:oauth:grant-index:${grantId}`;
  const uidKey = (uid: string) => `${prefix}:oauth:uid:${uid}`;
  const userCodeKey = (code: string) => `${prefix}:oauth:user-code:${code}`;

  return class RedisAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const k = key(this.model, id);
      const multi = redis.multi();
      multi.set(k, JSON.stringify(payload));
      if (expiresIn) multi.expire(k, expiresIn);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        const g = grantKey(payload.grantId);
        multi.rpush(g, k);
        // The index lives as long as its longest member.
        const ttl = await redis.ttl(g);
        if (expiresIn > ttl) multi.expire(g, expiresIn);
      }
      if (payload.userCode) {
        multi.set(userCodeKey(payload.userCode), id);
        if (expiresIn) multi.expire(userCodeKey(payload.userCode), expiresIn);
      }
      if (payload.uid) {
        multi.set(uidKey(payload.uid), id);
        if (expiresIn) multi.expire(uidKey(payload.uid), expiresIn);
      }
      await multi.exec();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const data = await redis.get(key(this.model, id));
      return data ? (JSON.parse(data) as AdapterPayload) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(uidKey(uid));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await redis.get(userCodeKey(userCode));
      return id ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const k = key(this.model, id);
      const data = await redis.get(k);
      if (!data) return;
      const payload = JSON.parse(data) as AdapterPayload;
      payload.consumed = Math.floor(Date.now() / 1000);
      await redis.set(k, JSON.stringify(payload), "KEEPTTL");
    }

    async destroy(id: string): Promise<void> {
      await redis.del(key(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const g = grantKey(grantId);
      const keys = await redis.lrange(g, 0, -1);
      await redis.del(...keys, g, key("Grant", grantId));
    }
  };
}

/**
 * Ends an oidc-provider grant from outside the provider (the console revoking a connection):
 * the grant, its codes and its refresh tokens are deleted, so refreshing fails at once.
 */
export async function endGrantState(redis: Redis, prefix: string, grantId: string): Promise<void> {
  const Adapter = redisAdapterFactory(redis, prefix);
  await new Adapter("Grant").revokeByGrantId(grantId);
}
