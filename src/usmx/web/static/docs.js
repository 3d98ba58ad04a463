/* The API's documentation page: Swagger UI (vendored, see VENDORED.md) over the server's own OpenAPI document. */
window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true });
