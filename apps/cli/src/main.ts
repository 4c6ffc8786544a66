import { Command } from "commander";
import { registerAgentKeyCreate } from "./commands/agent-key-create";
import { registerAgentKeyList } from "./commands/agent-key-list";
import { registerAgentKeyRevoke } from "./commands/agent-key-revoke";
import { registerApply } from "./commands/apply";
import { registerApprovalsDecide } from "./commands/approvals-decide";
import { registerApprovalsList } from "./commands/approvals-list";
import { registerAuditSearch } from "./commands/audit-search";
import { registerCatalogSync } from "./commands/catalog-sync";
import { registerMigrate } from "./commands/migrate";
import { registerPortalsExport } from "./commands/portals-export";
import { registerSnapshotPublish } from "./commands/snapshot-publish";
import { registerToolsList } from "./commands/tools-list";

const program = new Command("portcullis").description("Portcullis control-plane CLI").showHelpAfterError();

registerMigrate(program);
registerApply(program);
const keys = program
  .command("agent")
  .description("agent identities")
  .command("key")
  .description("agent API keys");
registerAgentKeyCreate(keys);
registerAgentKeyRevoke(keys);
registerAgentKeyList(keys);
registerAuditSearch(program.command("audit").description("the audit log of MCP requests"));
registerSnapshotPublish(program.command("snapshot").description("config snapshots served to gateways"));
registerCatalogSync(program.command("catalog").description("tool catalogs of upstream servers"));
registerToolsList(program.command("tools").description("the tool catalog: status, risk, definition hashes"));
registerPortalsExport(program.command("portals").description("portals (/mcp/<portal>)"));
const approvals = program.command("approvals").description("tool calls waiting for a human decision");
registerApprovalsList(approvals);
registerApprovalsDecide(approvals);

await program.parseAsync(process.argv);
// Exit explicitly: a client library's idle handle must not keep a finished command alive.
process.exit(process.exitCode ?? 0);
