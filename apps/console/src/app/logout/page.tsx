import type { Metadata } from "next";
import { SignOutNow } from "@/components/shell/sign-out-now";

export const metadata: Metadata = { title: "Sign out" };

/** /logout: signs out straight away (a link target for bookmarks and next-auth's signOut page). */
export default function LogoutPage() {
  return (
    <main className="grid min-h-screen place-items-center">
      <SignOutNow />
    </main>
  );
}
