// The browser tests live in e2e/ (their own workspace package, which holds @playwright/test).
export { default } from "./e2e/playwright.config";
