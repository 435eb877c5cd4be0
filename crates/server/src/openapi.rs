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
        (name = "vulnerabilities", description = "Vulnerabilities merged from OSV, CVE 5 and KEV, prioritised by SSVC, KEV and CVSS"),
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

/// Completes the document the router assembled: OpenAPI 3.1 requires a description on every
/// response, and the annotations give one only where there is more to say than the status.
pub fn complete(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::RefOr;
    for item in spec.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = status_description(status).to_string();
                }
            }
        }
    }
    spec
}

fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "400" => "Malformed request: bad JSON, a wrong type, an unknown field or a bad parameter",
        "401" => "Missing, unknown, revoked or expired token",
        "403" => "Your role may not do this to a record you can see",
        "404" => "No such record, or not visible to you",
        "409" => "Conflict with the record's current state",
        "413" => "The body is over the size limit",
        "422" => "The document breaks a rule; every problem is listed",
        "429" => "Rate limit or quota spent; see Retry-After",
        _ => "See the error envelope",
    }
}

/// The complete OpenAPI document of the API.
pub fn document() -> utoipa::openapi::OpenApi {
    complete(crate::routes::api_router().split_for_parts().1)
}

/// `/openapi.json` and the browsable viewer at `/docs`.
pub fn viewer<S: Clone + Send + Sync + 'static>(spec: utoipa::openapi::OpenApi) -> Router<S> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", spec))
}
