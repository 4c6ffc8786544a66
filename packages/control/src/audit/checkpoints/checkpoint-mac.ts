import { macKey, signPayload, verifyPayload } from "@portcullis/contracts/redis-mac";

/** What a checkpoint's MAC covers: every column but the MAC itself, in a fixed order. */
export interface CheckpointFields {
  id: string;
  chain: string;
  orgId: string | null;
  headSeq: bigint;
  headHash: string | null;
  checked: number;
  verifiedOk: boolean;
  firstBrokenId: string | null;
  detail: string | null;
  prevMac: string | null;
  createdAt: Date;
}

function payload(c: CheckpointFields): string {
  return JSON.stringify([
    "checkpoint-v1",
    c.id,
    c.chain,
    c.orgId,
    c.headSeq.toString(),
    c.headHash,
    c.checked,
    c.verifiedOk,
    c.firstBrokenId,
    c.detail,
    c.prevMac,
    c.createdAt.toISOString(),
  ]);
}

/** HMAC-SHA256 of a checkpoint under the key derived from PORTCULLIS_SECRET_KEY ("audit-checkpoint"). */
export function signCheckpoint(secretKey: Buffer, fields: CheckpointFields): string {
  return signPayload(macKey(secretKey, "audit-checkpoint"), payload(fields));
}

export function checkpointMacValid(secretKey: Buffer, fields: CheckpointFields, mac: string): boolean {
  return verifyPayload(macKey(secretKey, "audit-checkpoint"), payload(fields), mac);
}
