/**
 * How tool definitions and search queries become terms: one tokenizer and term processor for
 * both sides, query-side synonyms, and the coarse action (read, create, update, delete) a
 * task asks for and a tool does. Tuned on the even-numbered half of bench/context-cost.ts's
 * tasks (the other half is held out), which this file does not read: the lists are general
 * vocabulary of tools and requests, not phrases of the tasks.
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
  set: "update",
  change: "update edit",
  modify: "update edit",
  modified: "change",
  move: "update",
  outage: "incident",
  count: "aggregate",
  big: "size",
  large: "size",
  drive: "driving directions distance",
  http: "url fetch web",
  https: "url fetch web",
  append: "add",
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

/**
 * The query's terms with their weights: each word as often as it is said, and the synonyms
 * of its words at `SYNONYM_WEIGHT` (what the user said outweighs what we guess they meant).
 */
export function queryTerms(query: string): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (token: string, weight: number) => {
    const term = processTerm(token);
    if (term) terms.set(term, (terms.get(term) ?? 0) + weight);
  };
  const tokens = tokenize(query);
  for (const token of tokens) add(token, 1);
  for (const token of tokens) {
    for (const synonym of tokenize(SYNONYMS[token.toLowerCase()] ?? "")) add(synonym, SYNONYM_WEIGHT);
  }
  return terms;
}

const SYNONYM_WEIGHT = 1;

/** The query with the synonyms of its words added. */
export function expandQuery(query: string): string {
  const extra = tokenize(query).flatMap((t) => SYNONYMS[t.toLowerCase()] ?? []);
  return extra.length === 0 ? query : `${query} ${extra.join(" ")}`;
}

/** What a tool does to its objects, or what a task asks for: the coarse intent both share. */
export type Action = "read" | "create" | "update" | "delete";

// General vocabulary of tool verbs, one class each; words whose class depends on the object
// ("open" a file or a pull request, "run", "merge") are in none.
const ACTION_WORDS: Record<Action, string> = {
  read:
    "list get search find show fetch read query describe retrieve view lookup look check count " +
    "download inspect browse explain summarize",
  create:
    "create add new make post send write insert start schedule invite upload submit book publish push " +
    "commit fork generate comment reply share draft append email text message page notify ping dm tweet",
  update:
    "update edit modify change set move rename patch mark assign close reschedule replace toggle " +
    "enable disable resolve complete transition reopen",
  delete: "delete remove erase cancel drop purge destroy clear revoke unsubscribe",
};
const ACTION_OF = new Map<string, Action>(
  (Object.entries(ACTION_WORDS) as Array<[Action, string]>).flatMap(([action, words]) =>
    words.split(" ").map((w) => [w, action] as [string, Action]),
  ),
);
// A question asks to be told something: it reads, whatever verb follows ("which containers are running?").
const QUESTION_WORDS = new Set(
  "what which who whom whose when where why how is are was were did does do has have any".split(" "),
);

function actionOfWord(word: string): Action | undefined {
  const w = word.toLowerCase();
  return (
    ACTION_OF.get(w) ??
    (w.endsWith("es") ? ACTION_OF.get(w.slice(0, -2)) : undefined) ??
    (w.endsWith("s") ? ACTION_OF.get(w.slice(0, -1)) : undefined)
  );
}

/** A tool's action: the first verb of its name, else the first word of its description. */
export function toolAction(name: string, description: string): Action | null {
  for (const token of tokenize(name)) {
    const action = actionOfWord(token);
    if (action) return action;
  }
  const first = tokenize(description)[0];
  return (first && actionOfWord(first)) || null;
}

/** A task's action: a question reads; otherwise its first verb's class (null: none said). */
export function queryAction(query: string): Action | null {
  for (const token of tokenize(query)) {
    if (QUESTION_WORDS.has(token.toLowerCase())) return "read";
    const action = actionOfWord(token);
    if (action) return action;
  }
  return null;
}
