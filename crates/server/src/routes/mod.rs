//! Handlers grouped by domain.

pub mod assets;
pub mod events;
pub mod health;
pub mod intake;
pub mod orgs;
pub mod osv;
pub mod reports;
pub mod tokens;
pub mod vulns;

use crate::AppState;
use crate::openapi::ApiDoc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orgs::create_org, orgs::list_orgs))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(reports::submit_report, reports::list_reports))
        .routes(routes!(reports::validate_report))
        .routes(routes!(reports::get_report))
        .routes(routes!(reports::get_report_file))
        .routes(routes!(reports::get_report_validation))
        .routes(routes!(reports::get_similar_reports))
        .routes(routes!(reports::merge_duplicate))
        .routes(routes!(reports::split_duplicate))
        .routes(routes!(intake::submit_sarif))
        .routes(routes!(intake::get_intake))
        .routes(routes!(reports::transition_report))
        .routes(routes!(reports::relabel_report))
        .routes(routes!(reports::share_report))
        .routes(routes!(events::list_events))
        .routes(routes!(events::list_audit))
        .routes(routes!(osv::query))
        .routes(routes!(osv::query_batch))
        .routes(routes!(osv::get_vuln))
        .routes(routes!(osv::import))
        .routes(routes!(vulns::list_vulns))
        .routes(routes!(vulns::get_merged))
        .routes(routes!(vulns::export))
        .routes(routes!(vulns::stakeholder_ssvc))
        .routes(routes!(vulns::add_evidence))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(assets::create_asset, assets::list_assets))
                .routes(routes!(assets::get_asset, assets::replace_asset, assets::delete_asset))
                .routes(routes!(assets::asset_findings))
                .routes(routes!(assets::all_findings))
                .routes(routes!(assets::set_mission))
                .routes(routes!(assets::add_vex, assets::list_vex))
                .routes(routes!(vulns::import_source))
                // SBOMs, VEX documents and source documents (the KEV catalog) are larger than
                // reports: these routes raise the limit.
                .layer(axum::extract::DefaultBodyLimit::max(assets::MAX_DOCUMENT_BYTES)),
        )
}
