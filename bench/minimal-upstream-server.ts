/** The minimal upstream as a process of its own (bench/hot-path.ts starts it):  PORT=3999 node --import tsx bench/minimal-upstream-server.ts */
import { startMinimalUpstream } from "./lib/minimal-upstream";

await startMinimalUpstream(Number(process.env.PORT ?? 0));
