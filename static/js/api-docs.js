// The API reference page (/api/docs): Swagger UI over the document the app makes from its code.
// "Try it out" runs as the signed-in user: the session cookie goes along, and writes carry the
// page's CSRF token, as the dashboard's own requests do (static/js/api.js).
/* global SwaggerUIBundle */

const root = document.getElementById("swagger-ui");
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

SwaggerUIBundle({
  url: root.dataset.specUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  requestInterceptor(request) {
    if (UNSAFE.has((request.method || "GET").toUpperCase())) {
      request.headers["X-CSRFToken"] = root.dataset.csrfToken;
    }
    return request;
  },
});
