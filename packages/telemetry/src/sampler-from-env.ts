import type { Sampler } from "@opentelemetry/sdk-trace";

/** The SDK module, loaded by the caller only when tracing is on. */
type SdkTrace = typeof import("@opentelemetry/sdk-trace");

/**
 * The sampler OTEL_TRACES_SAMPLER names (the specification's values; the default is
 * parentbased_always_on), with OTEL_TRACES_SAMPLER_ARG as the ratio. An unknown value is
 * refused at boot rather than silently sampling everything.
 */
export function samplerFromEnv(sdk: SdkTrace, env: Record<string, string | undefined>): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const name = (env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on").trim().toLowerCase();
  const ratio = () => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG;
    if (raw === undefined || raw.trim() === "") return 1;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got '${raw}'`);
    return value;
  };
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio());
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER '${name}' is not supported (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio)`,
      );
  }
}
