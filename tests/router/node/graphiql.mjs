// Drive GraphiQL in Debian's chromium (browser.mjs).
// Usage: node graphiql.mjs URL QUERY HEADERS_JSON EXPECTED_TEXT
// Opens URL, types QUERY in the query editor and HEADERS_JSON in the headers editor, runs it,
// waits until the response pane shows EXPECTED_TEXT; the report adds {response}.
import { drive } from "./browser.mjs";

const [url, query, headers, expected] = process.argv.slice(2);

await drive(url, async (page, report) => {
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
});
