// Starts Swagger UI (a static file, so the page's CSP keeps script-src 'self' with no inline
// script) on the OpenAPI document named by #swagger-ui's data-url, relative to the page
// (`openapi.json` next to `/api/docs` or `/api/<name>/docs`). No online validator badge.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.url, window.location.href).href,
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
  });
})();
