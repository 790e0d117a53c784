// Starts GraphiQL on the router's own /graphql (served from a file so the page's CSP can keep
// script-src 'self'). React, ReactDOM and GraphiQL are the vendored UMD globals.
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    })
  );
})();
