// Drive Swagger UI in Debian's chromium (headless, through playwright-core: no browser download).
// Usage: node swagger.mjs URL EXPECTED_PATH
// Opens URL, waits until the operations list shows EXPECTED_PATH, runs its GET operation ("Try
// it out", "Execute") and prints one JSON report on stdout: {status, csp, paths, executedStatus,
// requests: [{url, method}], consoleErrors, pageErrors, cspViolations} (and failure when a step
// did not happen).
import { chromium } from "playwright-core";

const [url, expectedPath] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // As root in a container chromium needs --no-sandbox; no GPU here.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { requests: [], consoleErrors: [], pageErrors: [], cspViolations: [] };
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("request", (request) =>
    report.requests.push({ url: request.url(), method: request.method() }),
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
  const operation = page
    .locator(".opblock.opblock-get")
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${expectedPath}"]`) })
    .first();
  await operation.waitFor();
  report.paths = await page
    .locator(".opblock-summary-path")
    .evaluateAll((elements) => elements.map((element) => element.dataset.path));

  // Run the GET operation from the page: the call goes to the same origin (connect-src 'self').
  await operation.locator(".opblock-summary").click();
  await operation.locator(".try-out__btn").click();
  await operation.locator(".execute").click();
  const status = operation.locator(".live-responses-table tr.response .response-col_status").first();
  await status.waitFor();
  report.executedStatus = (await status.textContent()).trim();
  report.cspViolations = await page.evaluate(() => window.__cspViolations);
} catch (error) {
  report.failure = String(error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
