import { agentsRouter } from "./routers/agents/router";
import { approvalsRouter } from "./routers/approvals/router";
import { auditRouter } from "./routers/audit/router";
import { grantsRouter } from "./routers/grants/router";
import { historyRouter } from "./routers/history/router";
import { itemGrantsRouter } from "./routers/item-grants/router";
import { keysRouter } from "./routers/keys/router";
import { meRouter } from "./routers/me/router";
import { membersRouter } from "./routers/members/router";
import { oauthRouter } from "./routers/oauth/router";
import { overviewRouter } from "./routers/overview/router";
import { policiesRouter } from "./routers/policies/router";
import { portalsRouter } from "./routers/portals/router";
import { reviewRouter } from "./routers/review/router";
import { searchRouter } from "./routers/search/router";
import { serversRouter } from "./routers/servers/router";
import { teamsRouter } from "./routers/teams/router";
import { toolsRouter } from "./routers/tools/router";
import { createCallerFactory, router } from "./trpc";

/** The console's API: one router per domain. */
export const appRouter = router({
  me: meRouter,
  overview: overviewRouter,
  servers: serversRouter,
  tools: toolsRouter,
  teams: teamsRouter,
  members: membersRouter,
  agents: agentsRouter,
  keys: keysRouter,
  grants: grantsRouter,
  itemGrants: itemGrantsRouter,
  policies: policiesRouter,
  portals: portalsRouter,
  history: historyRouter,
  approvals: approvalsRouter,
  audit: auditRouter,
  review: reviewRouter,
  search: searchRouter,
  oauth: oauthRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls (React server components, tests): `createCaller(await createApiContext(deps, session))`. */
export const createCaller = createCallerFactory(appRouter);
