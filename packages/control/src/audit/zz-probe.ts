import { createDb } from "@portcullis/db/client";
import { getAuditDashboard } from "./audit-dashboard";
import { verifyAuditChain } from "./chain/verify-audit-chain";
import { exportAuditEvents } from "./export-audit";
const db = createDb(process.env.URL!, { max: 3 });
const org = process.env.ORG!;
const day = 86_400_000;
const now = new Date();
for (const days of [1, 7, 30]) {
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const d = await getAuditDashboard(db, org, { from: new Date(now.getTime() - days * day), to: now });
    console.log(`dashboard ${days}d`, d.totals.total, (performance.now() - t).toFixed(0), "ms");
  }
}
if (process.env.EXPORT) {
  const t = performance.now();
  let n = 0;
  for await (const c of exportAuditEvents(db, { orgId: org }, { serverId: "srv_3", from: new Date(now.getTime() - 7 * day), to: now }, "csv")) n += c.length;
  console.log("export", n, (performance.now() - t).toFixed(0), "ms");
}
if (process.env.VERIFY) {
  const t = performance.now();
  console.log(await verifyAuditChain(db, org), (performance.now() - t).toFixed(0), "ms");
}
await db.$disconnect();
