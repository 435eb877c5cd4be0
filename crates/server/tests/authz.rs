//! The authorization matrix: every endpoint × every kind of caller × (for report-scoped endpoints)
//! every TLP label, against the status code written out below.
//!
//! The expectations are derived from the rules, not from running the server:
//! - `can_read` (crates/model/src/policy.rs): CLEAR is public; GREEN is for every principal; AMBER and
//!   AMBER+STRICT for the reporting organisation, coordinators, the organisations it is shared with
//!   and the named principals; RED for the named principals only (the submitter always counts as named).
//!   Whoever cannot read a report gets 404, never 403.
//! - `can_manage`/`can_relabel`: the submitter, the reporting organisation's admins and coordinators,
//!   provided they can read it; other readers get 403.
//! - Transitions (routes/reports.rs and crates/model/src/lifecycle.rs): coordinators act as
//!   coordinators, the reporting organisation's principals as the reporter (who may withdraw, not
//!   triage), and anyone else who can read the report gets 403.
//! - Endpoints that need a token check it before anything else: 401 for anonymous callers.
//!
//! Every report the matrix touches is shared, before the call, with the shared organisation (except
//! RED, which cannot be shared with organisations) and with the named principal and the named
//! coordinator. Calls that may change a report get a fresh report each, and the report is read back
//! afterwards: a refused call must have changed nothing, an accepted one what it said.

mod common;

use common::{Backend, Member, OrgRef, Resp, TestApp, report_doc, report_doc_with_file};
use reqwest::Method;
use serde_json::{Value, json};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A member (role `member`) of the reporting organisation who submitted the report.
    Submitter,
    /// An admin of the reporting organisation.
    OrgAdmin,
    /// A member of the reporting organisation who did not submit the report.
    Colleague,
    /// A platform coordinator not named on the report.
    Coordinator,
    /// A platform coordinator named on the report.
    NamedCoordinator,
    /// A member of an organisation the report is shared with.
    SharedOrgMember,
    /// A member of an unrelated organisation, named on the report.
    NamedPrincipal,
    /// An admin of an organisation the report has nothing to do with.
    StrangerAdmin,
}

const WHO: [Who; 9] = [
    Who::Anonymous,
    Who::Submitter,
    Who::OrgAdmin,
    Who::Colleague,
    Who::Coordinator,
    Who::NamedCoordinator,
    Who::SharedOrgMember,
    Who::NamedPrincipal,
    Who::StrangerAdmin,
];

impl Who {
    fn label(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Submitter => "submitter",
            Who::OrgAdmin => "org admin",
            Who::Colleague => "colleague",
            Who::Coordinator => "coordinator",
            Who::NamedCoordinator => "named coordinator",
            Who::SharedOrgMember => "shared-org member",
            Who::NamedPrincipal => "named principal",
            Who::StrangerAdmin => "stranger admin",
        }
    }
}

const TLPS: [&str; 5] = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    CreateOrg,
    ListOrgs,
    CreateToken,
    ListTokens,
    RevokeToken,
    SubmitReport,
    ValidateReport,
    ListReports,
    ListEvents,
    ListAudit,
    OsvQuery,
    OsvQueryBatch,
    GetVuln,
    ImportAdvisories,
    CreateAsset,
    ListAssets,
    ListFindings,
    ListVulns,
    GetMergedVuln,
    ExportVuln,
    StakeholderSsvc,
    AddEvidence,
    ImportSource,
    SubmitSarif,
    GetIntake,
}

impl Global {
    fn label(self) -> &'static str {
        match self {
            Global::CreateOrg => "POST /v1/orgs",
            Global::ListOrgs => "GET /v1/orgs",
            Global::CreateToken => "POST /v1/tokens (reporting org, member)",
            Global::ListTokens => "GET /v1/tokens",
            Global::RevokeToken => "DELETE /v1/tokens/{id} (a reporting-org member's)",
            Global::SubmitReport => "POST /v1/reports",
            Global::ValidateReport => "POST /v1/reports/validate",
            Global::ListReports => "GET /v1/reports",
            Global::ListEvents => "GET /v1/events",
            Global::ListAudit => "GET /v1/audit",
            Global::OsvQuery => "POST /v1/query",
            Global::OsvQueryBatch => "POST /v1/querybatch",
            Global::GetVuln => "GET /v1/vulns/{id} (a CLEAR advisory)",
            Global::ImportAdvisories => "POST /v1/advisories",
            Global::CreateAsset => "POST /v1/assets",
            Global::ListAssets => "GET /v1/assets",
            Global::ListFindings => "GET /v1/findings",
            Global::ListVulns => "GET /v1/vulns",
            Global::GetMergedVuln => "GET /v1/vulns/{id}/merged (a CLEAR vulnerability)",
            Global::ExportVuln => "GET /v1/vulns/{id}/export/{format} (as OSV)",
            Global::StakeholderSsvc => "GET /v1/vulns/{id}/ssvc/{stakeholder} (as a supplier)",
            Global::AddEvidence => "POST /v1/vulns/{id}/evidence (a validated CLEAR report with a PoC)",
            Global::ImportSource => "POST /v1/sources (a CVE record)",
            Global::SubmitSarif => "POST /v1/intake/sarif",
            Global::GetIntake => "GET /v1/intake/{id} (the submitter's batch)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnReport {
    Get,
    GetFile,
    /// The validation queued for the report's bundle (its file is a `.tar`).
    GetValidation,
    GetSimilar,
    /// Mark it a duplicate of a CLEAR report: a coordinator's move.
    Merge,
    /// Remove the duplicate link a named coordinator made just before.
    Split,
    /// received → triaged: a coordinator's move.
    Triage,
    /// received → closed: the reporter may withdraw.
    Withdraw,
    /// PUT tlp RED: raising (lowering needs the same rights, see `can_relabel`).
    Relabel,
    SharePrincipal,
    ShareOrg,
}

impl OnReport {
    fn label(self) -> &'static str {
        match self {
            OnReport::Get => "GET /v1/reports/{id}",
            OnReport::GetFile => "GET /v1/reports/{id}/files/{sha256}",
            OnReport::GetValidation => "GET /v1/reports/{id}/validation",
            OnReport::GetSimilar => "GET /v1/reports/{id}/similar",
            OnReport::Merge => "POST /v1/reports/{id}/duplicate",
            OnReport::Split => "POST /v1/reports/{id}/split",
            OnReport::Triage => "POST /v1/reports/{id}/transitions {to: triaged}",
            OnReport::Withdraw => "POST /v1/reports/{id}/transitions {to: closed}",
            OnReport::Relabel => "PUT /v1/reports/{id}/tlp {tlp: RED}",
            OnReport::SharePrincipal => "POST /v1/reports/{id}/shares {principals: [..]}",
            OnReport::ShareOrg => "POST /v1/reports/{id}/shares {orgs: [..]}",
        }
    }

    fn mutates(self) -> bool {
        !matches!(self, OnReport::Get | OnReport::GetFile | OnReport::GetValidation | OnReport::GetSimilar)
    }
}

// Columns: anonymous, submitter, org admin, colleague, coordinator, named coordinator,
// shared-org member, named principal, stranger admin.
#[rustfmt::skip]
const GLOBAL_EXPECTED: [(Global, [u16; 9]); 25] = [
    //                          anon subm oadm coll coor ncoo shrd name strg
    (Global::CreateOrg,      [401, 403, 403, 403, 201, 201, 403, 403, 403]),
    (Global::ListOrgs,       [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::CreateToken,    [401, 403, 201, 403, 201, 201, 403, 403, 403]),
    // Non-coordinators list their own organisation's tokens, which needs its admin role.
    (Global::ListTokens,     [401, 403, 200, 403, 200, 200, 403, 403, 200]),
    // Tokens a non-coordinator may not revoke are "not found".
    (Global::RevokeToken,    [401, 404, 200, 404, 200, 200, 404, 404, 404]),
    (Global::SubmitReport,   [401, 201, 201, 201, 201, 201, 201, 201, 201]),
    (Global::ValidateReport, [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::ListReports,    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::ListEvents,     [401, 403, 403, 403, 200, 200, 403, 403, 403]),
    (Global::ListAudit,      [401, 403, 403, 403, 200, 200, 403, 403, 403]),
    // OSV queries are open to all; anonymous callers see CLEAR advisories only.
    (Global::OsvQuery,       [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::OsvQueryBatch,  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::GetVuln,        [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::ImportAdvisories, [401, 403, 403, 403, 200, 200, 403, 403, 403]),
    (Global::CreateAsset,    [401, 201, 201, 201, 201, 201, 201, 201, 201]),
    (Global::ListAssets,     [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::ListFindings,   [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Vulnerabilities merge public sources (TLP:CLEAR only): open to all; importing is coordinators'.
    (Global::ListVulns,      [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::GetMergedVuln,  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::ExportVuln,     [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::StakeholderSsvc, [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    (Global::AddEvidence,    [401, 403, 403, 403, 200, 200, 403, 403, 403]),
    (Global::ImportSource,   [401, 403, 403, 403, 200, 200, 403, 403, 403]),
    (Global::SubmitSarif,    [401, 202, 202, 202, 202, 202, 202, 202, 202]),
    // A batch is its organisation's and the coordinators'; to anyone else it does not exist.
    (Global::GetIntake,      [401, 200, 200, 200, 200, 200, 404, 404, 404]),
];

// For each endpoint, one row per caller (in the order of `WHO`), one column per label:
// CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
#[rustfmt::skip]
const REPORT_EXPECTED: [(OnReport, [[u16; 5]; 9]); 11] = [
    (OnReport::Get, [
        //                    CLEAR GREEN AMBER A+S  RED
        /* anonymous         */ [200, 404, 404, 404, 404],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [200, 200, 200, 200, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [200, 200, 200, 200, 404],
        /* named principal   */ [200, 200, 200, 200, 200],
        /* stranger admin    */ [200, 200, 404, 404, 404],
    ]),
    (OnReport::GetFile, [
        /* anonymous         */ [200, 404, 404, 404, 404],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [200, 200, 200, 200, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [200, 200, 200, 200, 404],
        /* named principal   */ [200, 200, 200, 200, 200],
        /* stranger admin    */ [200, 200, 404, 404, 404],
    ]),
    (OnReport::GetValidation, [
        /* anonymous         */ [200, 404, 404, 404, 404],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [200, 200, 200, 200, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [200, 200, 200, 200, 404],
        /* named principal   */ [200, 200, 200, 200, 200],
        /* stranger admin    */ [200, 200, 404, 404, 404],
    ]),
    (OnReport::GetSimilar, [
        /* anonymous         */ [200, 404, 404, 404, 404],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [200, 200, 200, 200, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [200, 200, 200, 200, 404],
        /* named principal   */ [200, 200, 200, 200, 200],
        /* stranger admin    */ [200, 200, 404, 404, 404],
    ]),
    // Merging and splitting duplicates are coordinators' moves, like triage.
    (OnReport::Merge, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [403, 403, 403, 403, 403],
        /* org admin         */ [403, 403, 403, 403, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    (OnReport::Split, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [403, 403, 403, 403, 403],
        /* org admin         */ [403, 403, 403, 403, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    (OnReport::Triage, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [403, 403, 403, 403, 403],
        /* org admin         */ [403, 403, 403, 403, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    (OnReport::Withdraw, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [200, 200, 200, 200, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    (OnReport::Relabel, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    (OnReport::SharePrincipal, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [200, 200, 200, 200, 200],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 200],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
    // RED is shared with named principals only: for those who manage it, 422.
    (OnReport::ShareOrg, [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [200, 200, 200, 200, 422],
        /* org admin         */ [200, 200, 200, 200, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [200, 200, 200, 200, 404],
        /* named coordinator */ [200, 200, 200, 200, 422],
        /* shared-org member */ [403, 403, 403, 403, 404],
        /* named principal   */ [403, 403, 403, 403, 403],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]),
];

/// The error code that goes with a refusal, as `crates/server/src/error.rs` maps them.
/// Operations on an asset registered by the submitter (a member of the reporting organisation).
/// Assets are never shared: the shared-org member and the named principal are strangers to them,
/// and a coordinator is never named, so RED stays with the one who registered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnAsset {
    Get,
    Findings,
    ListVex,
    Replace,
    AddVex,
    SetMission,
    Delete,
}

impl OnAsset {
    fn label(self) -> &'static str {
        match self {
            OnAsset::Get => "GET /v1/assets/{id}",
            OnAsset::Findings => "GET /v1/assets/{id}/findings",
            OnAsset::ListVex => "GET /v1/assets/{id}/vex",
            OnAsset::Replace => "PUT /v1/assets/{id}",
            OnAsset::AddVex => "POST /v1/assets/{id}/vex",
            OnAsset::SetMission => "PUT /v1/assets/{id}/mission",
            OnAsset::Delete => "DELETE /v1/assets/{id}",
        }
    }

    fn mutates(self) -> bool {
        matches!(self, OnAsset::Replace | OnAsset::AddVex | OnAsset::SetMission | OnAsset::Delete)
    }
}

const ASSET_READ: [[u16; 5]; 9] = [
    //                    CLEAR GREEN AMBER A+S  RED
    /* anonymous         */ [401, 401, 401, 401, 401],
    /* submitter         */ [200, 200, 200, 200, 200],
    /* org admin         */ [200, 200, 200, 200, 404],
    /* colleague         */ [200, 200, 200, 200, 404],
    /* coordinator       */ [200, 200, 200, 200, 404],
    /* named coordinator */ [200, 200, 200, 200, 404],
    /* shared-org member */ [200, 200, 404, 404, 404],
    /* named principal   */ [200, 200, 404, 404, 404],
    /* stranger admin    */ [200, 200, 404, 404, 404],
];

/// Managing: the one who registered it, its organisation's admins, coordinators; `ok` is the
/// success status of the operation.
const fn asset_manage(ok: u16) -> [[u16; 5]; 9] {
    [
        /* anonymous         */ [401, 401, 401, 401, 401],
        /* submitter         */ [ok, ok, ok, ok, ok],
        /* org admin         */ [ok, ok, ok, ok, 404],
        /* colleague         */ [403, 403, 403, 403, 404],
        /* coordinator       */ [ok, ok, ok, ok, 404],
        /* named coordinator */ [ok, ok, ok, ok, 404],
        /* shared-org member */ [403, 403, 404, 404, 404],
        /* named principal   */ [403, 403, 404, 404, 404],
        /* stranger admin    */ [403, 403, 404, 404, 404],
    ]
}

const ASSET_EXPECTED: [(OnAsset, [[u16; 5]; 9]); 7] = [
    (OnAsset::Get, ASSET_READ),
    (OnAsset::Findings, ASSET_READ),
    (OnAsset::ListVex, ASSET_READ),
    (OnAsset::Replace, asset_manage(200)),
    (OnAsset::AddVex, asset_manage(201)),
    (OnAsset::SetMission, asset_manage(200)),
    (OnAsset::Delete, asset_manage(204)),
];

const LOCKFILE: &str =
    "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

fn openvex() -> Value {
    json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/m", "author": "matrix", "timestamp": "2026-01-01T00:00:00Z",
           "version": 1, "statements": [{"vulnerability": {"name": "RUSTSEC-2026-0001"}, "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
           "status": "not_affected", "justification": "component_not_present"}]})
}

fn code_for(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        422 => "invalid_document",
        _ => "",
    }
}

struct World {
    app: TestApp,
    reporting: OrgRef,
    stranger_org: OrgRef,
    members: Vec<(Who, Member)>,
    file: &'static [u8],
    sha: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        let app = TestApp::start(backend).await;
        // The matrix submits a few hundred reports within a minute.
        let reporting = app.create_org_with_limits("reporting", 100_000, 100_000).await;
        let shared = app.create_org("shared").await;
        let partner = app.create_org("partner").await;
        let stranger_org = app.create_org("stranger").await;
        let mut members = Vec::new();
        for who in WHO {
            let m = match who {
                Who::Anonymous => continue,
                Who::Submitter | Who::Colleague => app.create_member(&reporting.name, "member").await,
                Who::OrgAdmin => app.create_member(&reporting.name, "admin").await,
                Who::Coordinator | Who::NamedCoordinator => app.create_coordinator().await,
                Who::SharedOrgMember => app.create_member(&shared.name, "member").await,
                Who::NamedPrincipal => app.create_member(&partner.name, "member").await,
                Who::StrangerAdmin => app.create_member(&stranger_org.name, "admin").await,
            };
            members.push((who, m));
        }
        let file: &'static [u8] = b"GET /../../etc/passwd HTTP/1.0\r\n\r\n";
        let (_, sha) = report_doc_with_file("", "CLEAR", "poc.txt", file);
        let mut record = advisory(0);
        record["id"] = json!("RUSTSEC-2026-0001");
        let r = app.post("/v1/advisories", Some(&app.admin_token), &json!({"records": [record]})).await;
        assert_eq!(r.json["inserted"], 1, "importing the matrix's advisory: {}", r.describe());
        let r = app.post("/v1/sources?format=cve5", Some(&app.admin_token), &cve_record("CVE-2026-0001")).await;
        assert_eq!(r.json["vulnerabilities_changed"], 1, "importing the matrix's CVE record: {}", r.describe());
        World { app, reporting, stranger_org, members, file, sha }
    }

    fn member(&self, who: Who) -> Option<&Member> {
        self.members.iter().find(|(w, _)| *w == who).map(|(_, m)| m)
    }

    fn token(&self, who: Who) -> Option<&str> {
        self.member(who).map(|m| m.token.as_str())
    }

    fn id_of(&self, who: Who) -> uuid::Uuid {
        self.member(who).expect("a principal").principal_id
    }

    /// A report with label `tlp` by the submitter, shared as the matrix says; returns its id and the
    /// report as the submitter reads it then.
    async fn report(&self, tlp: &str, with_file: bool) -> (String, Value) {
        let doc =
            // A `.tar` file is a reproduction bundle: the report gets a validation job.
            if with_file { report_doc_with_file(&format!("matrix {tlp}"), tlp, "poc.tar", self.file).0 } else { report_doc(&format!("matrix {tlp}"), tlp) };
        let id = self.app.submit_id(self.token(Who::Submitter).unwrap(), &doc).await;
        let named = [self.id_of(Who::NamedPrincipal), self.id_of(Who::NamedCoordinator)];
        let share = if tlp == "RED" { json!({"principals": named}) } else { json!({"orgs": ["shared"], "principals": named}) };
        let r = self.app.post(&format!("/v1/reports/{id}/shares"), self.token(Who::Submitter), &share).await;
        assert_eq!(r.status.as_u16(), 200, "setting up the audience of a {tlp} report: {}", r.describe());
        let seen = self.read_back(&id).await;
        (id, seen)
    }

    async fn upload(&self, method: Method, path: &str, token: Option<&str>) -> Resp {
        self.app.send(self.app.request(method, path, token).header("content-type", "application/octet-stream").body(LOCKFILE)).await
    }

    /// An asset with label `tlp` registered by the submitter.
    async fn asset(&self, tlp: &str) -> String {
        let r = self
            .upload(Method::POST, &format!("/v1/assets?name=matrix&file_name=Cargo.lock&tlp={}", tlp.replace('+', "%2B")), self.token(Who::Submitter))
            .await;
        assert_eq!(r.status.as_u16(), 201, "registering a {tlp} asset: {}", r.describe());
        r.json["asset"]["id"].as_str().expect("asset id").to_string()
    }

    async fn call_on_asset(&self, op: OnAsset, who: Who, id: &str) -> Resp {
        let app = &self.app;
        let token = self.token(who);
        match op {
            OnAsset::Get => app.get(&format!("/v1/assets/{id}"), token).await,
            OnAsset::Findings => app.get(&format!("/v1/assets/{id}/findings"), token).await,
            OnAsset::ListVex => app.get(&format!("/v1/assets/{id}/vex"), token).await,
            OnAsset::Replace => self.upload(Method::PUT, &format!("/v1/assets/{id}?name=renamed&file_name=Cargo.lock"), token).await,
            OnAsset::AddVex => app.post(&format!("/v1/assets/{id}/vex"), token, &openvex()).await,
            OnAsset::SetMission => app.put(&format!("/v1/assets/{id}/mission"), token, &json!({"exposure": "open"})).await,
            OnAsset::Delete => app.delete(&format!("/v1/assets/{id}"), token).await,
        }
    }

    /// The report as the submitter (who may always read it) sees it.
    async fn read_back(&self, id: &str) -> Value {
        let r = self.app.get(&format!("/v1/reports/{id}"), self.token(Who::Submitter)).await;
        assert_eq!(r.status.as_u16(), 200, "the submitter reads {id}: {}", r.describe());
        r.json
    }

    async fn call_global(&self, op: Global, who: Who, n: usize) -> Resp {
        let app = &self.app;
        let token = self.token(who);
        match op {
            Global::CreateOrg => app.post("/v1/orgs", token, &json!({"name": format!("new-org-{n}"), "kind": "vendor"})).await,
            Global::ListOrgs => app.get("/v1/orgs", token).await,
            Global::CreateToken => app.post("/v1/tokens", token, &json!({"org": self.reporting.name, "role": "member"})).await,
            Global::ListTokens => app.get("/v1/tokens", token).await,
            Global::RevokeToken => {
                let victim = app.create_member(&self.reporting.name, "member").await;
                let r = app.delete(&format!("/v1/tokens/{}", victim.token_id), token).await;
                // Read back what happened to the victim's token.
                let still = app.get("/v1/orgs", Some(&victim.token)).await.status.as_u16();
                let revoked = r.status.is_success();
                assert_eq!(still, if revoked { 401 } else { 200 }, "{who:?} revoking a token: the answer ({}) and the token's state agree", r.status);
                r
            }
            Global::SubmitReport => app.post("/v1/reports", token, &report_doc("matrix submission", "AMBER")).await,
            Global::ValidateReport => app.post("/v1/reports/validate", token, &report_doc("matrix validation", "AMBER")).await,
            Global::ListReports => app.get("/v1/reports", token).await,
            Global::ListEvents => app.get("/v1/events", token).await,
            Global::ListAudit => app.get("/v1/audit", token).await,
            Global::OsvQuery => app.post("/v1/query", token, &json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.6.0"})).await,
            Global::OsvQueryBatch => app.post("/v1/querybatch", token, &json!({"queries": [{"package": {"purl": "pkg:cargo/smallvec@1.6.0"}}]})).await,
            Global::GetVuln => app.get("/v1/vulns/RUSTSEC-2026-0001", token).await,
            Global::ImportAdvisories => app.post("/v1/advisories", token, &json!({"records": [advisory(n)]})).await,
            Global::CreateAsset => self.upload(Method::POST, &format!("/v1/assets?name=matrix-{n}&file_name=Cargo.lock"), token).await,
            Global::ListAssets => app.get("/v1/assets", token).await,
            Global::ListFindings => app.get("/v1/findings", token).await,
            Global::ListVulns => app.get("/v1/vulns", token).await,
            Global::GetMergedVuln => app.get("/v1/vulns/CVE-2026-0001/merged", token).await,
            Global::ExportVuln => app.get("/v1/vulns/CVE-2026-0001/export/osv", token).await,
            Global::StakeholderSsvc => app.get("/v1/vulns/CVE-2026-0001/ssvc/supplier?VD=diffuse", token).await,
            Global::AddEvidence => {
                // A fresh report each time, validated by a coordinator, public, with its proof of concept.
                let (doc, _) = report_doc_with_file(&format!("matrix evidence {n}"), "CLEAR", "poc.txt", self.file);
                let report = app.post("/v1/reports", self.token(Who::Submitter), &doc).await.json["id"].as_str().unwrap_or_default().to_string();
                for to in ["triaged", "validated"] {
                    app.post(&format!("/v1/reports/{report}/transitions"), self.token(Who::Coordinator), &json!({"to": to, "reason": "matrix"})).await;
                }
                app.post("/v1/vulns/CVE-2026-0001/evidence", token, &json!({"report": report})).await
            }
            Global::ImportSource => app.post("/v1/sources?format=cve5", token, &cve_record(&format!("CVE-2026-{:04}", 1000 + n))).await,
            Global::SubmitSarif => app.post_raw("/v1/intake/sarif", token, SARIF_LOG).await,
            Global::GetIntake => {
                let batch = app.post_raw("/v1/intake/sarif", self.token(Who::Submitter), SARIF_LOG).await;
                assert_eq!(batch.status.as_u16(), 202, "setting up a batch: {}", batch.describe());
                app.get(&format!("/v1/intake/{}", batch.json["id"].as_str().unwrap()), token).await
            }
        }
    }

    async fn call_on_report(&self, op: OnReport, who: Who, id: &str) -> Resp {
        let app = &self.app;
        let token = self.token(who);
        match op {
            OnReport::Get => app.get(&format!("/v1/reports/{id}"), token).await,
            OnReport::GetFile => app.get(&format!("/v1/reports/{id}/files/{}", self.sha), token).await,
            OnReport::GetValidation => app.get(&format!("/v1/reports/{id}/validation"), token).await,
            OnReport::GetSimilar => app.get(&format!("/v1/reports/{id}/similar"), token).await,
            OnReport::Merge => {
                let (canonical, _) = self.report("CLEAR", false).await;
                app.post(&format!("/v1/reports/{id}/duplicate"), token, &json!({"of": canonical, "reason": "authorization matrix"})).await
            }
            OnReport::Split => {
                let (canonical, _) = self.report("CLEAR", false).await;
                let setup = app
                    .post(&format!("/v1/reports/{id}/duplicate"), self.token(Who::NamedCoordinator), &json!({"of": canonical, "reason": "setting up a split"}))
                    .await;
                assert_eq!(setup.status.as_u16(), 200, "setting up a duplicate: {}", setup.describe());
                app.post(&format!("/v1/reports/{id}/split"), token, &json!({"reason": "authorization matrix"})).await
            }
            OnReport::Triage => app.post(&format!("/v1/reports/{id}/transitions"), token, &json!({"to": "triaged", "reason": "authorization matrix"})).await,
            OnReport::Withdraw => app.post(&format!("/v1/reports/{id}/transitions"), token, &json!({"to": "closed", "reason": "withdrawn"})).await,
            OnReport::Relabel => app.put(&format!("/v1/reports/{id}/tlp"), token, &json!({"tlp": "RED"})).await,
            OnReport::SharePrincipal => app.post(&format!("/v1/reports/{id}/shares"), token, &json!({"principals": [self.id_of(Who::StrangerAdmin)]})).await,
            OnReport::ShareOrg => app.post(&format!("/v1/reports/{id}/shares"), token, &json!({"orgs": [self.stranger_org.name]})).await,
        }
    }

    /// What an accepted call must have changed, and a refused one must not have: `None` when the
    /// report after the call is as it should be, else what is wrong.
    fn check_effect(&self, op: OnReport, accepted: bool, before: &Value, after: &Value, resp: &Resp) -> Option<String> {
        let fields = |v: &Value| json!({"status": v["status"], "tlp": v["tlp"], "shared_with": v["shared_with"], "history": v["history"]});
        let mut want = fields(before);
        if accepted {
            match op {
                OnReport::Get | OnReport::GetFile | OnReport::GetValidation | OnReport::GetSimilar => {}
                OnReport::Triage => want["status"] = json!("triaged"),
                OnReport::Merge => want["status"] = json!("duplicate"),
                OnReport::Split => want["status"] = json!("triaged"),
                OnReport::Withdraw => want["status"] = json!("closed"),
                OnReport::Relabel => want["tlp"] = json!("RED"),
                OnReport::SharePrincipal => {
                    let mut p: Vec<String> = want["shared_with"]["principals"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
                    p.push(self.id_of(Who::StrangerAdmin).to_string());
                    p.sort();
                    want["shared_with"]["principals"] = json!(p);
                }
                OnReport::ShareOrg => {
                    let mut o: Vec<String> = want["shared_with"]["orgs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
                    o.push(self.stranger_org.id.to_string());
                    o.sort();
                    want["shared_with"]["orgs"] = json!(o);
                }
            }
        }
        let mut got = fields(after);
        // Audiences are sets; history entries are checked by their moves only.
        for key in ["orgs", "principals"] {
            if let Some(a) = got["shared_with"][key].as_array() {
                let mut a: Vec<String> = a.iter().map(|v| v.as_str().unwrap().to_string()).collect();
                a.sort();
                got["shared_with"][key] = json!(a);
            }
        }
        for v in [&mut got, &mut want] {
            let moves: Vec<Value> = v["history"].as_array().map(|h| h.iter().map(|t| json!([t["from"], t["to"]])).collect()).unwrap_or_default();
            v["history"] = json!(moves);
        }
        if accepted && matches!(op, OnReport::Triage | OnReport::Withdraw | OnReport::Merge) {
            let last = want["status"].clone();
            want["history"].as_array_mut().unwrap().push(json!(["received", last]));
        }
        if op == OnReport::Split {
            // The named coordinator's merge happened either way; the split only when accepted.
            want["history"].as_array_mut().unwrap().push(json!(["received", "duplicate"]));
            if accepted {
                want["history"].as_array_mut().unwrap().push(json!(["duplicate", "triaged"]));
            } else {
                want["status"] = json!("duplicate");
            }
        }
        if accepted && op.mutates() && resp.json["id"] != after["id"] {
            return Some(format!("answered with another report: {}", resp.json["id"]));
        }
        (got != want).then(|| format!("report after the call is {got}, expected {want}"))
    }
}

struct Cell {
    endpoint: &'static str,
    tlp: Option<&'static str>,
    who: Who,
    want: u16,
    got: u16,
    problem: Option<String>,
}

impl Cell {
    fn ok(&self) -> bool {
        self.want == self.got && self.problem.is_none()
    }

    fn show(&self) -> String {
        if self.ok() { self.got.to_string() } else { format!("{}≠{}!", self.got, self.want) }
    }
}

/// A CLEAR OSV record, distinct per `n`, for the import row.
fn advisory(n: usize) -> Value {
    json!({"id": format!("RUSTSEC-2026-{:04}", 1000 + n), "modified": "2026-01-01T00:00:00Z",
           "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]})
}

/// Checks the answer against the expected status and the envelope code that goes with it.
fn judge(endpoint: &'static str, tlp: Option<&'static str>, who: Who, want: u16, resp: &Resp) -> Cell {
    let got = resp.status.as_u16();
    let mut problem = None;
    if got == want && !resp.status.is_success() && resp.code() != code_for(want) {
        problem = Some(format!("error code {:?}, expected {:?}", resp.code(), code_for(want)));
    }
    if got == 401 && resp.header("www-authenticate") != Some("Bearer") {
        problem = Some("401 without WWW-Authenticate: Bearer".into());
    }
    Cell { endpoint, tlp, who, want, got, problem }
}

fn render(cells: &[Cell]) -> String {
    let mut out = String::new();
    let width = 19;
    let _ = writeln!(out, "Cells read got≠want! where the answer is not the expected one.\n");
    let _ = write!(out, "{:<52}", "endpoint");
    for who in WHO {
        let _ = write!(out, "{:>width$}", who.label());
    }
    let _ = writeln!(out);
    for (op, _) in GLOBAL_EXPECTED {
        let _ = write!(out, "{:<52}", op.label());
        for who in WHO {
            let c = cells.iter().find(|c| c.endpoint == op.label() && c.who == who).map(Cell::show).unwrap_or_else(|| "-".into());
            let _ = write!(out, "{c:>width$}");
        }
        let _ = writeln!(out);
    }
    for (op, _) in REPORT_EXPECTED {
        let _ = writeln!(out, "\n{}", op.label());
        let _ = write!(out, "    {:<20}", "");
        for tlp in TLPS {
            let _ = write!(out, "{tlp:>14}");
        }
        let _ = writeln!(out);
        for who in WHO {
            let _ = write!(out, "    {:<20}", who.label());
            for tlp in TLPS {
                let c = cells.iter().find(|c| c.endpoint == op.label() && c.who == who && c.tlp == Some(tlp)).map(Cell::show).unwrap_or_else(|| "-".into());
                let _ = write!(out, "{c:>14}");
            }
            let _ = writeln!(out);
        }
    }
    let wrong: Vec<&Cell> = cells.iter().filter(|c| !c.ok()).collect();
    let _ = writeln!(out, "\n{} of {} cells are wrong:", wrong.len(), cells.len());
    for c in wrong {
        let _ = writeln!(
            out,
            "  {} | {} | {}: got {}, expected {}{}",
            c.endpoint,
            c.tlp.unwrap_or("-"),
            c.who.label(),
            c.got,
            c.want,
            c.problem.as_deref().map(|p| format!(" ({p})")).unwrap_or_default()
        );
    }
    out
}

async fn run_matrix(backend: Backend) {
    let world = World::new(backend).await;
    let mut cells = Vec::new();

    for (i, (op, row)) in GLOBAL_EXPECTED.iter().enumerate() {
        for (j, (who, want)) in WHO.iter().zip(row).enumerate() {
            let resp = world.call_global(*op, *who, i * WHO.len() + j).await;
            cells.push(judge(op.label(), None, *who, *want, &resp));
        }
    }

    // Reads share one report per label; anything that may change a report gets a fresh one.
    let mut readable = Vec::new();
    for tlp in TLPS {
        readable.push(world.report(tlp, true).await.0);
    }
    // The near-duplicate index is filed in the background by `serve`; here, at once.
    while world.app.store.index_similarity(10_000).await.expect("indexing") > 0 {}
    for (op, table) in REPORT_EXPECTED {
        for (who, row) in WHO.iter().zip(table) {
            for ((t, tlp), want) in TLPS.iter().enumerate().zip(row) {
                let cell = if op.mutates() {
                    let (id, before) = world.report(tlp, false).await;
                    let resp = world.call_on_report(op, *who, &id).await;
                    let mut cell = judge(op.label(), Some(tlp), *who, want, &resp);
                    let after = world.read_back(&id).await;
                    if let Some(p) = world.check_effect(op, resp.status.is_success(), &before, &after, &resp) {
                        cell.problem.get_or_insert(p);
                    }
                    cell
                } else {
                    let resp = world.call_on_report(op, *who, &readable[t]).await;
                    let mut cell = judge(op.label(), Some(tlp), *who, want, &resp);
                    if op == OnReport::GetFile && resp.status.is_success() && resp.bytes != world.file {
                        cell.problem = Some("the file's bytes differ".into());
                    }
                    if op == OnReport::Get && resp.status.is_success() && resp.json["id"] != readable[t].as_str() {
                        cell.problem = Some("another report was answered".into());
                    }
                    // The readable reports share their text: each lists only the others the caller may read.
                    if op == OnReport::GetSimilar && resp.status.is_success() {
                        let listed: Vec<&str> = resp.json["similar"].as_array().unwrap().iter().filter_map(|r| r["id"].as_str()).collect();
                        for (u, other) in readable.iter().enumerate() {
                            let may_read = REPORT_EXPECTED[0].1[WHO.iter().position(|w| w == who).unwrap()][u] == 200;
                            if u != t && listed.contains(&other.as_str()) != may_read {
                                cell.problem = Some(format!("lists {listed:?}; {other} may be read: {may_read}"));
                            }
                        }
                    }
                    if op == OnReport::GetValidation && resp.status.is_success() && resp.json["state"] != "queued" {
                        cell.problem = Some(format!("the job should be queued: {}", resp.json));
                    }
                    cell
                };
                cells.push(cell);
            }
        }
    }

    // Assets: reads share one asset per label; changes get a fresh one, and their effect is checked
    // through the registering submitter's eyes.
    let mut assets = Vec::new();
    for tlp in TLPS {
        assets.push(world.asset(tlp).await);
    }
    for (op, table) in ASSET_EXPECTED {
        for (who, row) in WHO.iter().zip(table) {
            for ((t, tlp), want) in TLPS.iter().enumerate().zip(row) {
                let id = if op.mutates() { world.asset(tlp).await } else { assets[t].clone() };
                let resp = world.call_on_asset(op, *who, &id).await;
                let mut cell = judge(op.label(), Some(tlp), *who, want, &resp);
                let after = world.app.get(&format!("/v1/assets/{id}"), world.token(Who::Submitter)).await;
                let changed = match op {
                    OnAsset::Replace => after.json["name"] == "renamed",
                    OnAsset::Delete => after.status.as_u16() == 404,
                    OnAsset::SetMission => after.json["mission"]["exposure"] == "O",
                    OnAsset::AddVex => world.app.get(&format!("/v1/assets/{id}/vex"), world.token(Who::Submitter)).await.json["documents"] != json!([]),
                    _ => false,
                };
                if op.mutates() && changed != resp.status.is_success() {
                    cell.problem.get_or_insert(format!("answered {} but the asset {} changed", resp.status, if changed { "was" } else { "was not" }));
                }
                if resp.status.is_success() && op == OnAsset::Get && resp.json["id"] != id.as_str() {
                    cell.problem = Some("another asset was answered".into());
                }
                cells.push(cell);
            }
        }
    }

    let expected_cells = GLOBAL_EXPECTED.len() * WHO.len() + (REPORT_EXPECTED.len() + ASSET_EXPECTED.len()) * WHO.len() * TLPS.len();
    assert_eq!(cells.len(), expected_cells, "every cell was run");
    if cells.iter().any(|c| !c.ok()) {
        panic!("authorization matrix on {backend:?} does not hold:\n{}", render(&cells));
    }
}

#[tokio::test]
async fn matrix_sqlite() {
    run_matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn matrix_postgres() {
    if Backend::Postgres.available("authorization matrix") {
        run_matrix(Backend::Postgres).await;
    }
}

/// The tables themselves: one row per caller and per endpoint, so none was forgotten.
#[test]
fn tables_cover_every_endpoint_and_caller() {
    let globals: Vec<Global> = GLOBAL_EXPECTED.iter().map(|(g, _)| *g).collect();
    let ons: Vec<OnReport> = REPORT_EXPECTED.iter().map(|(o, _)| *o).collect();
    for g in [
        Global::CreateOrg,
        Global::ListOrgs,
        Global::CreateToken,
        Global::ListTokens,
        Global::RevokeToken,
        Global::SubmitReport,
        Global::ValidateReport,
        Global::ListReports,
        Global::ListEvents,
        Global::ListAudit,
        Global::OsvQuery,
        Global::OsvQueryBatch,
        Global::GetVuln,
        Global::ImportAdvisories,
        Global::CreateAsset,
        Global::ListAssets,
        Global::ListFindings,
        Global::ListVulns,
        Global::GetMergedVuln,
        Global::ExportVuln,
        Global::StakeholderSsvc,
        Global::AddEvidence,
        Global::ImportSource,
        Global::SubmitSarif,
        Global::GetIntake,
    ] {
        assert_eq!(globals.iter().filter(|x| **x == g).count(), 1, "{g:?} has one row");
    }
    for o in [
        OnReport::Get,
        OnReport::GetFile,
        OnReport::GetValidation,
        OnReport::Triage,
        OnReport::Withdraw,
        OnReport::Relabel,
        OnReport::SharePrincipal,
        OnReport::ShareOrg,
    ] {
        assert_eq!(ons.iter().filter(|x| **x == o).count(), 1, "{o:?} has one table");
    }
    // Every API route of the router is exercised by the matrix (same list as the OpenAPI test).
    let mut routes: Vec<&str> = globals
        .iter()
        .map(|g| g.label())
        .chain(ons.iter().map(|o| o.label()))
        .chain(ASSET_EXPECTED.iter().map(|(a, _)| a.label()))
        .map(|l| l.split(" (").next().unwrap().split(" {").next().unwrap())
        .collect();
    routes.sort();
    routes.dedup();
    let mut api: Vec<String> = common::API_ROUTES.iter().map(|(m, p)| format!("{m} {p}")).collect();
    api.sort();
    assert_eq!(routes, api, "the matrix covers exactly the API's routes");
}

/// A SARIF log with one finding.
const SARIF_LOG: &str = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "matrix-scanner", "version": "1.0"}},
  "results": [{"ruleId": "CWE-787", "message": {"text": "Out-of-bounds write in parse_header."},
    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/parse.c"}, "region": {"startLine": 42}}}]}]}]}"#;

/// A small CVE JSON 5 record.
fn cve_record(id: &str) -> Value {
    json!({"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {"cveId": id, "state": "PUBLISHED"},
           "containers": {"cna": {"providerMetadata": {"orgId": "00000000-0000-4000-8000-000000000000", "shortName": "matrix"},
             "descriptions": [{"lang": "en", "value": "a matrix vulnerability"}],
             "affected": [{"collectionURL": "https://crates.io", "packageName": "smallvec",
                           "versions": [{"version": "0", "lessThan": "1.6.1", "status": "affected", "versionType": "semver"}]}],
             "references": [{"url": "https://example.com/advisory"}]}}})
}
