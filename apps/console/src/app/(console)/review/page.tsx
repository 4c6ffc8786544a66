import type { Metadata } from "next";
import { ReviewQueueView } from "@/components/review/review-queue-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Tool review" };

export default async function ReviewPage() {
  await requirePermission("tools.read", "/review");
  return <ReviewQueueView />;
}
