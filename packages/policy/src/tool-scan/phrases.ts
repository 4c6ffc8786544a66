import type { InjectionKind, TextFinding } from "./findings";
import { foldText, originalSpan } from "./fold-text";

type PhraseKind = Extract<InjectionKind, "model_instruction" | "sensitive_reference">;

interface PhraseRule {
  kind: PhraseKind;
  /** Matched against folded text (lowercase, NFKC, hidden characters handled by foldText). */
  pattern: RegExp;
}

// The patterns lean on one regularity: a tool description *describes* ("Reads a file",
// "Sends an email"), an injection *commands* the model ("read ~/.ssh/id_rsa", "do not tell
// the user"). Imperatives aimed at the model, its instructions or its user are what they
// match; third-person descriptions of the same actions are not. A false positive
// quarantines a legitimate tool, so each rule is kept narrow (see the corpus test).
const SECRET_NOUN = String.raw`(?:ssh\s+keys?|private\s+keys?|api\s+keys?|secret\s+keys?|access\s+tokens?|auth(?:entication)?\s+tokens?|bearer\s+tokens?|session\s+(?:cookies|tokens?)|credentials|passwords?(?!\s*(?:reset|change|policy|strength|hint|expir|rotation|requirement))|secrets|seed\s+phrases?|mnemonics?|environment\s+variables|env\s+vars)`;
const INSTRUCTION_NOUN =
  "(?:instructions?|prompts?|rules|guidelines|directions|directives|guardrails|constraints|policies|commands)";
const USER = String.raw`(?:the\s+)?(?:users?|humans?|operators?)\b`;

const rule = (kind: PhraseKind, source: string): PhraseRule => ({ kind, pattern: new RegExp(source, "g") });

const RULES: PhraseRule[] = [
  // Overriding the model's instructions.
  rule(
    "model_instruction",
    String.raw`\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|these|those|every)\s+)*(?:previous|prior|above|earlier|preceding|former|original|existing|system|safety|developer|initial)\s+${INSTRUCTION_NOUN}\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:ignore|disregard)\s+(?:(?:all|any|the|your)\s+)*(?:previous|prior|above|earlier|preceding)\s+(?:messages|context|conversation)\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:ignore|disregard|forget)\s+(?:all|any|everything)\s+(?:(?:other|your)\s+)?(?:instructions|rules|guidelines|(?:you|that\s+you)\s+(?:were|have\s+been)\s+told)\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:new|updated|real|actual|hidden|secret|true)\s+(?:system\s+)?instructions?\s*:`,
  ),
  rule("model_instruction", String.raw`\bsystem\s+(?:prompt|message|override)\s*:`),
  // Keeping the user in the dark.
  rule(
    "model_instruction",
    String.raw`\b(?:do\s+not|don'?t|never|must\s+not|should\s+not|shouldn'?t|mustn'?t)\s+(?:(?:ever|even|actually|explicitly)\s+)?(?:tell|inform|mention|reveal|notify|alert|disclose|explain)\s+(?:(?:this|it|that|anything|any\s+of\s+this)\s+)?(?:to\s+)?${USER}`,
  ),
  rule(
    "model_instruction",
    String.raw`\bwithout\s+(?:(?:ever|even)\s+)?(?:telling|informing|alerting|letting|mentioning\s+(?:it|this|that)(?:\s+to)?)\s+${USER}`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:hide|conceal|keep)\s+(?:this|it|that|these|the\s+fact)\s+(?:(?:secret|hidden|private|confidential)\s+)?from\s+${USER}`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:the\s+)?users?\s+(?:must|should|will|does|do|need)\s*(?:not|n't|never)\s+(?:know|see|notice|find\s+out|learn|be\s+(?:told|informed|aware))\b`,
  ),
  // Chat markup and role play aimed at the model.
  rule(
    "model_instruction",
    String.raw`<\s*\/?\s*(?:important|system|instructions?|secret|hidden|admin|sys|assistant|critical)\s*>`,
  ),
  rule("model_instruction", String.raw`\[\s*\/?\s*(?:system|inst|sys)\s*\]`),
  rule("model_instruction", String.raw`<\|\s*(?:im_start|im_end|system|user|assistant|endoftext)\s*\|>`),
  rule("model_instruction", String.raw`\byou\s+are\s+now\s+(?:a|an|the|my|in\s+developer)\b`),
  rule(
    "model_instruction",
    String.raw`\bfrom\s+now\s+on,?\s+(?:you|always|never|ignore|respond|reply|answer|only)\b`,
  ),
  // Shadowing: a tool's description rewriting how other tools behave.
  rule(
    "model_instruction",
    String.raw`\bwhen\s+this\s+tool\s+is\s+(?:available|present|installed|loaded|enabled|connected)\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:all|every|any)\s+(?:other\s+)?(?:emails?|messages?|requests?|payments?|transfers?|files?)\s+(?:must|should|shall|need\s+to|have\s+to)\s+(?:always\s+)?(?:also\s+)?(?:be\s+)?(?:sent|forwarded|redirected|routed|bcc'?d|cc'?d|copied|uploaded)\s+to\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?!this\b)[\w-]+\s+tool\s+(?:must|should|has\s+to|needs\s+to)\s+(?:now\s+|always\s+|also\s+)?(?:send|forward|redirect|bcc|cc|copy)\b`,
  ),
  // Smuggling data out through an argument.
  rule(
    "model_instruction",
    String.raw`\b(?:pass|include|put|append|attach)\s+(?:its|their)\s+contents?\s+(?:as|in|into)\b`,
  ),
  rule(
    "model_instruction",
    String.raw`\b(?:include|send|append|pass|forward|upload|leak)\s+(?:[\w'-]+\s+){0,3}?(?:(?:entire|full|whole|complete|previous|prior)\s+(?:conversation|chat)|(?:conversation|chat)\s+history)\b`,
  ),
  // Secrets and the files that hold them.
  rule(
    "sensitive_reference",
    String.raw`\b(?:read|send|forward|upload|leak|exfiltrate|include|append|attach|share|post|transmit|email|print|output|reveal|extract|collect|dump)\s+(?:(?:the|your|all|any|every|user'?s|their|its|stored|saved|local)\s+){0,3}${SECRET_NOUN}\b`,
  ),
  rule("sensitive_reference", String.raw`\.ssh\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\bauthorized_keys\b`),
  rule(
    "sensitive_reference",
    String.raw`\.aws\/(?:credentials|config)\b|\baws_secret_access_key\b|\.config\/gcloud\b|\bapplication_default_credentials\.json\b|\.azure\/|\.kube\/config\b|\.docker\/config\.json\b`,
  ),
  rule(
    "sensitive_reference",
    String.raw`(?<=^|[\s'"\x60(\/~])\.(?:netrc|npmrc|pypirc|pgpass|git-credentials|gnupg|bash_history|zsh_history|envrc|env(?:\.[\w-]+)?)\b`,
  ),
  rule("sensitive_reference", String.raw`\/etc\/(?:passwd|shadow|sudoers|ssh\/)`),
  rule(
    "sensitive_reference",
    String.raw`\b(?:mcp|claude_desktop_config|mcp_settings)\.json\b|\.cursor\/|\.codeium\/|\.continue\/config\b`,
  ),
  rule(
    "sensitive_reference",
    String.raw`\bwallet\.dat\b|\blogin\.keychain\b|\bsecring\.gpg\b|\bcookies\.sqlite\b|\blogin\s+data\b`,
  ),
];

/**
 * Finds phrases addressed to the model (`model_instruction`) and references to secrets or
 * sensitive paths (`sensitive_reference`). Matching ignores case, fullwidth forms, Latin
 * lookalikes and hidden characters inside or between words, and reports each phrase at
 * its place in `text`. Overlapping matches of one kind are reported once.
 */
export function findPhrases(text: string): TextFinding[] {
  const found: TextFinding[] = [];
  for (const mode of ["drop", "space"] as const) {
    const folded = foldText(text, mode);
    for (const { kind, pattern } of RULES) {
      for (const match of folded.text.matchAll(pattern)) {
        if (match[0].length === 0) continue;
        const span = originalSpan(folded, match.index, match.index + match[0].length);
        found.push({ kind, ...span, evidence: text.slice(span.index, span.index + span.length) });
      }
    }
  }
  return dedupe(found);
}

function dedupe(findings: TextFinding[]): TextFinding[] {
  const sorted = [...findings].sort((a, b) => a.index - b.index || b.length - a.length);
  const kept: TextFinding[] = [];
  for (const f of sorted) {
    const overlaps = kept.some(
      (k) => k.kind === f.kind && f.index < k.index + k.length && k.index < f.index + f.length,
    );
    if (!overlaps) kept.push(f);
  }
  return kept;
}
