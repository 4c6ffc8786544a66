import { createApiContext } from "@portcullis/api/context";
import { appRouter } from "@portcullis/api/root";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { apiDeps } from "@/server/api-deps";
import { currentUserId } from "@/server/session";

export const dynamic = "force-dynamic";

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => {
      const userId = await currentUserId();
      return createApiContext(apiDeps(), userId ? { userId } : null);
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(`tRPC ${path ?? "?"} failed`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
