//! The OpenAPI 3.1 document and its viewer. The viewer's files are compiled into the binary
//! (`utoipa-swagger-ui`'s `vendored` feature): nothing is downloaded at build or run time.

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clearinghouse API",
        description = "Coordinated discovery, validation, remediation and distribution of software vulnerabilities. \
Errors use one envelope: {\"error\": {\"code\", \"message\", \"pointer\", \"diagnostics\"}}. \
Records a caller may not see answer 404. Every response carries x-request-id.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "reports", description = "Report intake and lifecycle"),
        (name = "orgs", description = "Organisations"),
        (name = "tokens", description = "API tokens"),
        (name = "events", description = "Audit log and outbox feed"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("chp_…").build()));
    }
}

/// `/openapi.json` and the browsable viewer at `/docs`.
pub fn viewer<S: Clone + Send + Sync + 'static>(spec: utoipa::openapi::OpenApi) -> Router<S> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", spec))
}
