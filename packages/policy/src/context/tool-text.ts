/**
 * How tool definitions and search queries become terms: one tokenizer and term processor for
 * both sides, and query-side synonyms. Tuned on bench/context-cost.ts, whose tasks this
 * file does not read: the lists are general vocabulary of tools, not phrases of the tasks.
 */

// Words that carry no meaning for choosing a tool (question words, fillers, pronouns).
const STOP_WORDS = new Set(
  (
    "a an and are as at be been by can could did do does for from get give has have i i'm in into is it its " +
    "just let me my of on or our please should so some tell that the their them there these they this those " +
    "to up us use using want was we were what when where which who why will with would you your"
  ).split(" "),
);

// What people say → the words tool definitions use. Applied to queries only (an index term
// keeps its own meaning); each entry adds terms, the original word stays.
const SYNONYMS: Record<string, string> = {
  pr: "pull request",
  prs: "pull request",
  mr: "merge request",
  repo: "repository",
  repos: "repository",
  folder: "directory",
  dir: "directory",
  directory: "folder",
  k8s: "kubernetes",
  db: "database",
  doc: "document",
  docs: "documentation document",
  picture: "image",
  pictures: "image",
  photo: "image",
  pic: "image",
  remove: "delete",
  erase: "delete",
  forget: "delete",
  add: "create",
  make: "create",
  new: "create",
  create: "add",
  show: "list",
  display: "list",
  view: "list",
  fetch: "read",
  retrieve: "read",
  read: "fetch contents",
  open: "create read",
  insert: "write create",
  save: "write",
  stage: "add",
  combine: "merge",
  invite: "add",
  link: "association",
  find: "search",
  lookup: "search",
  look: "search",
  rename: "move",
  email: "mail",
  mail: "email",
  ticket: "issue",
  bug: "issue",
  todo: "task",
  comment: "note reply",
  reply: "comment",
  meeting: "event",
  appointment: "event",
  spreadsheet: "sheet",
  column: "field",
  row: "record",
  vm: "instance",
  password: "secret",
  credential: "secret",
  oncall: "call",
  rain: "weather forecast",
  temperature: "weather",
  forecast: "weather",
  many: "count",
  stock: "inventory",
  remember: "entity observation",
  memory: "entity graph",
  tweet: "post",
  photos: "image",
  text: "message sms",
  dm: "direct message",
};

/** Splits `createPullRequest`, `create_pull_request` and `create-pull-request` alike. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((t) => t.length > 0);
}

/**
 * Lower case, stop words out, and a light suffix strip so "issues", "listing" and "created"
 * meet "issue", "list" and "create" (prefix search covers the rest of the stem).
 */
export function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (STOP_WORDS.has(t)) return null;
  if (t.length > 4 && t.endsWith("ies")) return `${t.slice(0, -3)}y`;
  if (t.length > 5 && t.endsWith("ing")) return t.slice(0, -3);
  if (t.length > 4 && t.endsWith("ed")) return t.slice(0, -2);
  if (t.length > 4 && /(ss|x|ch|sh)es$/.test(t)) return t.slice(0, -2);
  if (t.length > 3 && t.endsWith("s") && !t.endsWith("ss")) return t.slice(0, -1);
  return t;
}

/** The query with the synonyms of its words added. */
export function expandQuery(query: string): string {
  const extra = tokenize(query).flatMap((t) => SYNONYMS[t.toLowerCase()] ?? []);
  return extra.length === 0 ? query : `${query} ${extra.join(" ")}`;
}
