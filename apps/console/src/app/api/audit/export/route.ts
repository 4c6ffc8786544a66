import { auditFilterFromSearchParams } from "@portcullis/api/routers/audit/filter-input";
import { can } from "@portcullis/auth/permissions";
import {
  AUDIT_EXPORT_CONTENT_TYPES,
  AUDIT_EXPORT_FORMATS,
  type AuditExportFormat,
  auditExportFileName,
  exportAuditEvents,
} from "@portcullis/control/audit/export-audit";
import { loadMember } from "@portcullis/control/identity/load-member";
import { ZodError } from "zod";
import { db } from "@/server/db";
import { currentUserId } from "@/server/session";

export const dynamic = "force-dynamic";

/**
 * GET /api/audit/export?format=csv|jsonl&<the search page's filters>: the caller's
 * organization's matching audit events as a download, streamed page by page (constant
 * memory, however many match). Checked like a tRPC procedure: a current session, a
 * membership read fresh from the database, and the `audit.read` permission; the
 * organization comes from that membership, never from the URL.
 */
export async function GET(request: Request): Promise<Response> {
  const userId = await currentUserId();
  if (!userId) return refusal(401, "sign in to continue");
  const member = await loadMember(db(), userId);
  if (!member) return refusal(403, "not allowed: you are not a member of any organization");
  if (!can(member.role, "audit.read"))
    return refusal(403, "not allowed: this needs the 'audit.read' permission");

  const params = new URL(request.url).searchParams;
  const format = (params.get("format") ?? "csv") as AuditExportFormat;
  if (!AUDIT_EXPORT_FORMATS.includes(format)) {
    return refusal(400, `format must be one of ${AUDIT_EXPORT_FORMATS.join(", ")}`);
  }
  let filter: ReturnType<typeof auditFilterFromSearchParams>;
  try {
    filter = auditFilterFromSearchParams(params);
  } catch (error) {
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      return refusal(400, `${issue?.path.join(".") || "filter"}: ${issue?.message ?? "invalid"}`);
    }
    throw error;
  }

  const chunks = exportAuditEvents(db(), { orgId: member.org.id }, filter, format);
  const encoder = new TextEncoder();
  // Pull-based: the next page is read only when the client has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        console.error("audit export failed", error);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": AUDIT_EXPORT_CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="${auditExportFileName(format)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

function refusal(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { "cache-control": "no-store" } });
}
