import NextAuth from "next-auth";
import { authOptions } from "@/server/auth-options";

// Options are built on the first request: they need the runtime environment, which
// `next build` does not have.
type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handler(req: Request, context: RouteContext): Promise<Response> {
  return NextAuth(authOptions())(req, context);
}

export { handler as GET, handler as POST };
