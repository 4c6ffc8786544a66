import { DLP_DETECTORS, type DlpCustomDetector, type DlpDetectorId } from "@portcullis/contracts/dlp-policy";
import { compileLinearRegex, findAllLinear } from "../linear-regex";
import {
  awsAccessKey,
  awsSecretKey,
  genericSecret,
  githubToken,
  jwt,
  privateKey,
  slackToken,
} from "./credential-detectors";
import type { Detector } from "./detector";
import { creditCard, email, iban, phone, usSsn } from "./personal-data-detectors";

/** The built-in detectors by id (the ids a `dlp` policy names). */
export const BUILTIN_DETECTORS: Readonly<Record<DlpDetectorId, Detector>> = {
  "aws-access-key": awsAccessKey,
  "aws-secret-key": awsSecretKey,
  "github-token": githubToken,
  "slack-token": slackToken,
  "private-key": privateKey,
  jwt,
  "generic-secret": genericSecret,
  "credit-card": creditCard,
  email,
  phone,
  iban,
  "us-ssn": usSsn,
};

export const ALL_BUILTIN_DETECTORS: readonly Detector[] = DLP_DETECTORS.map((id) => BUILTIN_DETECTORS[id]);

/**
 * A policy's named regular expression as a detector (its pattern was validated with the
 * policy). It runs on RE2 over the whole field: linear time, so no chunking is needed and a
 * catastrophic pattern such as `(a+)+$` cannot stall the gateway.
 */
export function customDetector(def: DlpCustomDetector): Detector {
  const re = compileLinearRegex(def.pattern, { ignoreCase: def.ignoreCase });
  return { id: def.name, minLength: 1, rules: [], findAll: (text, out) => findAllLinear(re, text, out) };
}
