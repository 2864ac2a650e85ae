// Renders the OpenAPI document with the vendored Redoc (no inline script: the CSP forbids it).
(function () {
  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) { return; }
  window.Redoc.init(container.getAttribute("data-spec-url"), {
    hideDownloadButton: false,
    expandResponses: "200,201",
    scrollYOffset: 56
  }, container);
})();
