// Drive Swagger UI in Debian's chromium (browser.mjs).
// Usage: node swagger.mjs URL EXPECTED_PATH
// Opens URL, waits until the operations list shows EXPECTED_PATH, runs its GET operation ("Try
// it out", "Execute"); the report adds {paths, executedStatus}.
import { drive } from "./browser.mjs";

const [url, expectedPath] = process.argv.slice(2);

await drive(url, async (page, report) => {
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
});
