import { PERMISSIONS, type Permission } from "@portcullis/auth/permissions";
import type { Metadata } from "next";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { requireMember } from "@/server/guard";

export const metadata: Metadata = { title: "Not allowed" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function NotAllowedPage({ searchParams }: { searchParams: SearchParams }) {
  const member = await requireMember();
  const params = await searchParams;
  const raw = Array.isArray(params.permission) ? params.permission[0] : params.permission;
  const permission = PERMISSIONS.includes(raw as Permission) ? (raw as Permission) : undefined;
  return (
    <div className="mx-auto mt-16 max-w-lg rounded-xl border border-amber-200 bg-amber-50 p-8 text-amber-950">
      <h1 className="text-xl font-semibold">Not allowed</h1>
      <p className="mt-2 text-sm">
        Your role, <strong>{member.role}</strong>, does not allow this page
        {permission && (
          <>
            {" "}
            (it needs the <code className="rounded bg-amber-100 px-1">{permission}</code> permission)
          </>
        )}
        . Ask an owner or admin of {member.org.name} if you need access.
      </p>
      <Link href="/" className={`${buttonClasses("secondary")} mt-6`}>
        Back to the overview
      </Link>
    </div>
  );
}
