// Drive GraphiQL in Debian's chromium (headless, through playwright-core: no browser download).
// Usage: node graphiql.mjs URL QUERY HEADERS_JSON EXPECTED_TEXT
// Opens URL, types QUERY in the query editor and HEADERS_JSON in the headers editor, runs it,
// waits until the response pane shows EXPECTED_TEXT and prints one JSON report on stdout:
// {status, csp, response, requests: [{url, method, headers}], consoleErrors, pageErrors,
// cspViolations} (and failure when a step did not happen).
import { chromium } from "playwright-core";

const [url, query, headers, expected] = process.argv.slice(2);
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
  const queryEditor = page.locator(".graphiql-query-editor .CodeMirror");
  await queryEditor.waitFor();
  await queryEditor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.insertText(query);

  // Header editing: open the Headers tab and type the headers.
  await page.getByRole("button", { name: "Headers" }).click();
  const headersEditor = page.locator(".graphiql-editor-tool .CodeMirror").last();
  await headersEditor.waitFor();
  await headersEditor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.insertText(headers);

  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response");
  await response.filter({ hasText: expected }).waitFor();
  report.response = await response.locator(".CodeMirror").evaluate((el) =>
    el.CodeMirror.getValue(),
  );
  report.cspViolations = await page.evaluate(() => window.__cspViolations);
} catch (error) {
  report.failure = String(error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
