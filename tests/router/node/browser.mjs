// Debian's chromium (headless, through playwright-core: no browser download) with a page that
// records what the browser tests assert: every request, console errors, page errors and CSP
// violations. `drive(url, steps)` opens `url`, runs `steps(page, report)`, and prints one JSON
// report on stdout: {status, csp, requests: [{url, method, headers}], consoleErrors, pageErrors,
// cspViolations, ...what steps add} (and failure when a step did not happen).
import { chromium } from "playwright-core";

const TIMEOUT = 30_000;

export async function drive(url, steps) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // As root in a container chromium needs --no-sandbox; no GPU here.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const report = { requests: [], consoleErrors: [], pageErrors: [], cspViolations: [] };
  try {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on("request", (request) =>
      report.requests.push({
        url: request.url(),
        method: request.method(),
        headers: request.headers(),
      }),
    );
    page.on("console", (message) => {
      if (message.type() === "error") {
        report.consoleErrors.push(`${message.text()} (${message.location().url || "page"})`);
      }
    });
    page.on("pageerror", (error) => report.pageErrors.push(String(error)));
    // Init scripts are injected by the browser itself, not subject to the page's CSP.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        window.__cspViolations.push(
          `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`,
        ),
      );
    });
    const landing = await page.goto(url, { waitUntil: "load" });
    report.status = landing.status();
    report.csp = landing.headers()["content-security-policy"];
    await steps(page, report);
    report.cspViolations = await page.evaluate(() => window.__cspViolations);
  } catch (error) {
    report.failure = String(error);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}
