import { configServer } from "@portcullis/contracts/config-file";

/**
 * The name rule of servers, teams and agents, taken from the config file schema so the
 * console and `portcullis apply` accept exactly the same names (lowercase letters, digits
 * and dashes; `__` is reserved as the tool-name separator).
 */
export const entityName = configServer.options[0].shape.name;
