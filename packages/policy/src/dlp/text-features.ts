/** Character counts the detectors' cheap pre-checks read, computed in one pass per chunk. */
export interface TextFeatures {
  digits: number;
  upper: number;
  hasAt: boolean;
  /** Longest run of characters that can be part of a token (no whitespace, quotes, commas, semicolons). */
  longestRun: number;
}

export function textFeatures(text: string): TextFeatures {
  let digits = 0;
  let upper = 0;
  let hasAt = false;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c === 64) hasAt = true;
    // space and controls, " ' , ; `
    if (c <= 32 || c === 34 || c === 39 || c === 44 || c === 59 || c === 96) {
      if (run > longestRun) longestRun = run;
      run = 0;
    } else run++;
  }
  if (run > longestRun) longestRun = run;
  return { digits, upper, hasAt, longestRun };
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** How many of lowercase, uppercase, digits and other characters a string mixes. */
export function characterClasses(text: string): { lower: boolean; upper: boolean; digit: boolean; other: boolean; count: number } {
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    else other = true;
  }
  return { lower, upper, digit, other, count: +lower + +upper + +digit + +other };
}
