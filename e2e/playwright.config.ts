import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";
import { artifactsDir } from "./support/artifacts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Debian's Chromium: Playwright cannot download its own browsers here. */
export const CHROMIUM_PATH = process.env.E2E_CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: here("./tests"),
  outputDir: `${artifactsDir()}/test-results`,
  globalSetup: here("./global-setup.ts"),
  // One browser at a time: the stack (console, gateway, worker) shares two cores with others.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    // Set by the global setup before workers start (they inherit its environment).
    baseURL: process.env.E2E_CONSOLE_URL,
    browserName: "chromium",
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
