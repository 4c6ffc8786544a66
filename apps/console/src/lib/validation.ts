import { configServer } from "@portcullis/contracts/config-file";

// The same name rule the API and `portcullis apply` enforce, checked before submitting so
// the message appears next to the field at once.
const entityName = configServer.options[0].shape.name;

/** The first problem with a server/team/agent name, or undefined when it is valid. */
export function nameProblem(value: string): string | undefined {
  if (value.trim() === "") return "Enter a name";
  const parsed = entityName.safeParse(value.trim());
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function emailProblem(value: string): string | undefined {
  if (value.trim() === "") return "Enter an email address";
  return EMAIL.test(value.trim()) ? undefined : "Enter a valid email address, like name@example.com";
}
