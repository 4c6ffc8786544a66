import * as sdk from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { samplerFromEnv } from "./sampler-from-env";
import { tracingEnabled } from "./tracing-enabled";

describe("tracingEnabled", () => {
  it("is off without an OTLP endpoint, on with either endpoint variable", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "" })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(
      true,
    );
  });

  it("honours OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none", () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(tracingEnabled({ ...on, OTEL_SDK_DISABLED: "true" })).toBe(false);
    expect(tracingEnabled({ ...on, OTEL_SDK_DISABLED: "false" })).toBe(true);
    expect(tracingEnabled({ ...on, OTEL_TRACES_EXPORTER: "none" })).toBe(false);
    expect(tracingEnabled({ ...on, OTEL_TRACES_EXPORTER: "console,otlp" })).toBe(true);
  });
});

describe("samplerFromEnv", () => {
  it("defaults to parent-based always-on, as the specification does", () => {
    expect(samplerFromEnv(sdk, {}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
  });

  it("reads the ratio of the ratio samplers", () => {
    const sampler = samplerFromEnv(sdk, {
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    });
    expect(sampler.toString()).toBe("TraceIdRatioBased{0.25}");
    expect(
      samplerFromEnv(sdk, {
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.1",
      }).toString(),
    ).toMatch(/root=TraceIdRatioBased\{0.1\}/);
  });

  it("refuses an unknown sampler or a ratio outside 0…1 instead of sampling everything", () => {
    expect(() => samplerFromEnv(sdk, { OTEL_TRACES_SAMPLER: "jaeger_remote" })).toThrow(/not supported/);
    expect(() =>
      samplerFromEnv(sdk, { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }),
    ).toThrow(/ratio from 0 to 1/);
  });
});
