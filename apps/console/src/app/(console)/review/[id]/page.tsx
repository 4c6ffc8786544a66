import type { Metadata } from "next";
import { ToolReviewView } from "@/components/review/tool-review-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Review tool" };

export default async function ReviewToolPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requirePermission("tools.read", `/review/${id}`);
  return <ToolReviewView toolId={id} />;
}
