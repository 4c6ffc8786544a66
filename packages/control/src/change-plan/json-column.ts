import type { ApprovalCondition } from "@portcullis/contracts/approval-policy";
import { Prisma } from "@portcullis/db/client";

/** A grant condition as Prisma writes a nullable Json column: SQL NULL for none. */
export function jsonOrDbNull(
  condition: ApprovalCondition | null,
): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return condition === null ? Prisma.DbNull : (condition as Prisma.InputJsonValue);
}
