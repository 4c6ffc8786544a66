import { z } from "zod";

/** Any entity id (`srv_…`). Ids from another organization behave like unknown ones. */
export const entityId = z.string().trim().min(1).max(100);
export const byId = z.object({ id: entityId });
export const activeStatus = z.enum(["active", "disabled"]);
export const optionalText = (max: number) => z.string().trim().max(max).nullish();
