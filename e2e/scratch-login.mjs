import { chromium } from "@playwright/test";

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage();
page.on("response", (r) => {
  if (r.status() >= 400) console.log("HTTP", r.status(), r.url());
});
await page.goto("http://127.0.0.1:3010/");
console.log("at", page.url());
await page.getByRole("button", { name: /Sign in with/ }).click();
await page.waitForURL(/4110/);
console.log("at", page.url());
await page.getByLabel("Email").fill(process.argv[2] ?? "admin@example.com");
await page.getByLabel("Password").fill("portcullis-demo");
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/3010/);
await page.waitForTimeout(1500);
console.log("at", page.url());
await page.screenshot({ path: "/tmp/shell/after-login.png", fullPage: true });
console.log((await page.textContent("body")).slice(0, 500));
await browser.close();
