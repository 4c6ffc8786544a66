/** Luhn (mod 10) check over a string of digits: every payment card number passes it. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN length per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** ISO 7064 mod 97-10 over a compact IBAN (country, check digits, BBAN): valid when the remainder is 1. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

/**
 * Card numbers published by card networks and payment providers for testing. They pass
 * Luhn and look real, but in tool traffic they are documentation, not cardholder data.
 */
export const TEST_CARD_NUMBERS: ReadonlySet<string> = new Set([
  "4111111111111111",
  "4242424242424242",
  "4012888888881881",
  "4222222222222",
  "4000056655665556",
  "4000000000000002",
  "4000000000009995",
  "4000000000000077",
  "4000002500003155",
  "4000000000003220",
  "4000000000000069",
  "4000000000000127",
  "4000000000000119",
  "4000000760000002",
  "4000001240000000",
  "4000008260000000",
  "4005519200000004",
  "4009348888881881",
  "4012000033330026",
  "4012000077777777",
  "4217651111111119",
  "4500600000000061",
  "4917610000000000",
  "4484070000000000",
  "4462030000000000",
  "5555555555554444",
  "5105105105105100",
  "5200828282828210",
  "5454545454545454",
  "5425233430109903",
  "2223003122003222",
  "2222400070000005",
  "2223000048400011",
  "5555341244441115",
  "5500000000000004",
  "378282246310005",
  "371449635398431",
  "378734493671000",
  "340000000000009",
  "370000000000002",
  "6011111111111117",
  "6011000990139424",
  "6011000000000004",
  "6011981111111113",
  "6445644564456445",
  "3056930009020004",
  "36227206271667",
  "30569309025904",
  "38520000023237",
  "36006666333344",
  "3566002020360505",
  "3530111333300000",
  "3566111111111113",
  "6200000000000005",
  "6205500000000000004",
]);

/**
 * SSNs that were never issued to anyone but circulate widely: the 1938 Woolworth wallet
 * insert, an advertising example, and the placeholder every form uses.
 */
export const EXAMPLE_SSNS: ReadonlySet<string> = new Set([
  "078051120",
  "219099999",
  "123456789",
  "457555462",
]);
