//! A running Clearinghouse for the HTTP tests: the real `clearinghouse_server::app` served by
//! `axum::serve` on 127.0.0.1:0, over a fresh store (SQLite in a temporary folder, or a fresh
//! PostgreSQL database when `CLEARINGHOUSE_TEST_DATABASE_URL` is set), with the bootstrap admin's
//! token at hand and helpers to set up organisations and principals through the API.
//!
//! ```ignore
//! let app = TestApp::builder().report_limits(small).build().await;
//! let org = app.create_org("finders").await;
//! let alice = app.create_member(&org.name, "member").await;
//! let resp = app.post("/v1/reports", Some(&alice.token), &report_doc("t", "AMBER")).await;
//! ```
#![allow(dead_code)]

use base64::Engine;
use clearinghouse_model::report::ReportLimits;
use clearinghouse_server::auth::{hash_token, new_token};
use clearinghouse_server::{AppState, ServerConfig};
use clearinghouse_store::blob::{BlobStore, FsBlobStore, SealedBlobs};
use clearinghouse_store::keyring::Keyring;
use clearinghouse_store::{OrgLimits, Store};
use clearinghouse_store_postgres::PostgresStore;
use clearinghouse_store_postgres::testing::{DATABASE_URL_VAR, base_url_or_skip, drop_database, fresh_database};
use clearinghouse_store_sqlite::{Durability, SqliteStore};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

pub use reqwest::StatusCode;

/// Every route of `clearinghouse_server::routes::api_router()`, as (method, OpenAPI path). The
/// authorization matrix exercises each, and the OpenAPI test checks the document has exactly these.
pub const API_ROUTES: [(&str, &str); 41] = [
    ("POST", "/v1/orgs"),
    ("GET", "/v1/orgs"),
    ("POST", "/v1/tokens"),
    ("GET", "/v1/tokens"),
    ("DELETE", "/v1/tokens/{id}"),
    ("POST", "/v1/reports"),
    ("GET", "/v1/reports"),
    ("POST", "/v1/reports/validate"),
    ("GET", "/v1/reports/{id}"),
    ("GET", "/v1/reports/{id}/files/{sha256}"),
    ("GET", "/v1/reports/{id}/validation"),
    ("GET", "/v1/reports/{id}/similar"),
    ("POST", "/v1/reports/{id}/duplicate"),
    ("POST", "/v1/reports/{id}/split"),
    ("POST", "/v1/intake/sarif"),
    ("GET", "/v1/intake/{id}"),
    ("POST", "/v1/reports/{id}/transitions"),
    ("PUT", "/v1/reports/{id}/tlp"),
    ("POST", "/v1/reports/{id}/shares"),
    ("GET", "/v1/events"),
    ("GET", "/v1/audit"),
    ("POST", "/v1/query"),
    ("POST", "/v1/querybatch"),
    ("GET", "/v1/vulns/{id}"),
    ("POST", "/v1/advisories"),
    ("POST", "/v1/assets"),
    ("GET", "/v1/assets"),
    ("GET", "/v1/assets/{id}"),
    ("PUT", "/v1/assets/{id}"),
    ("DELETE", "/v1/assets/{id}"),
    ("GET", "/v1/assets/{id}/findings"),
    ("GET", "/v1/findings"),
    ("PUT", "/v1/assets/{id}/mission"),
    ("POST", "/v1/assets/{id}/vex"),
    ("GET", "/v1/assets/{id}/vex"),
    ("GET", "/v1/vulns"),
    ("GET", "/v1/vulns/{id}/merged"),
    ("GET", "/v1/vulns/{id}/export/{format}"),
    ("GET", "/v1/vulns/{id}/ssvc/{stakeholder}"),
    ("POST", "/v1/vulns/{id}/evidence"),
    ("POST", "/v1/sources"),
];

/// Which store the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether the tests can run on this backend here. For PostgreSQL without
    /// `CLEARINGHOUSE_TEST_DATABASE_URL`, writes a visible `SKIPPED: ...` line to stderr and says no.
    pub fn available(self, what: &str) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => base_url_or_skip(what).is_some(),
        }
    }
}

/// Runs each named scenario, an `async fn(Backend)`, as two tests: `<name>::sqlite` always, and
/// `<name>::postgres` when `CLEARINGHOUSE_TEST_DATABASE_URL` is set (a visible skip otherwise).
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use super::common::Backend;

            #[tokio::test]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                if Backend::Postgres.available(concat!("test ", stringify!($name))) {
                    super::$name(Backend::Postgres).await
                }
            }
        }
    )+};
}

pub struct TestAppBuilder {
    backend: Backend,
    config: ServerConfig,
}

impl TestAppBuilder {
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    pub fn report_limits(mut self, limits: ReportLimits) -> Self {
        self.config.report_limits = limits;
        self
    }

    pub fn default_org_limits(mut self, limits: OrgLimits) -> Self {
        self.config.default_org_limits = limits;
        self
    }

    /// Starts the app. On PostgreSQL the variable must be set (check with [`Backend::available`]).
    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let keyring = Arc::new(Keyring::open_or_create(&dir.path().join("keys")).expect("keyring"));
        let blob_dir = dir.path().join("blobs");
        let (store, pg): (Arc<dyn Store>, Option<PgDatabase>) = match self.backend {
            Backend::Sqlite => {
                let store = SqliteStore::open(&dir.path().join("clearinghouse.db"), keyring.clone(), Durability::Normal).await.expect("opening SQLite");
                (Arc::new(store), None)
            }
            Backend::Postgres => {
                let base = std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| panic!("{DATABASE_URL_VAR} must be set for a PostgreSQL TestApp"));
                let url = fresh_database(&base).await.unwrap_or_else(|| panic!("{DATABASE_URL_VAR} is set, so a test database must be creatable there"));
                let guard = PgDatabase { base, url };
                let store = PostgresStore::connect(&guard.url, keyring.clone(), 5).await.expect("connecting to the test database");
                (Arc::new(store), Some(guard))
            }
        };
        // Proof-of-concept files go to a folder on both backends, so tests can look at the bytes at rest.
        let fs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::new(&blob_dir).expect("blob folder"));
        let blobs = Arc::new(SealedBlobs::new(fs, keyring));

        let admin_token = new_token();
        let admin = store
            .bootstrap_admin(&hash_token(&admin_token), clearinghouse_store::OrgLimits::default(), time::OffsetDateTime::now_utc())
            .await
            .expect("bootstrap")
            .expect("a fresh store bootstraps its admin");

        let state = AppState::new(store.clone(), blobs, self.config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            axum::serve(listener, clearinghouse_server::app(state)).await.expect("serving");
        });
        // reqwest builds a TLS configuration even for plain http, and needs a crypto provider for it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().expect("HTTP client");
        TestApp { base: format!("http://{addr}"), client, admin_token, admin_id: admin.id, store, blob_dir, backend: self.backend, server, _pg: pg, _dir: dir }
    }
}

/// A test database, dropped when the app is (also when the test panics).
struct PgDatabase {
    base: String,
    url: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop cannot be async: drop the database from a runtime of its own on another thread.
        let (base, url) = (self.base.clone(), self.url.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(drop_database(&base, &url));
        })
        .join();
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub client: reqwest::Client,
    /// The bootstrap admin's token: a coordinator and admin of the `clearinghouse` organisation.
    pub admin_token: String,
    pub admin_id: Uuid,
    /// The store behind the server, for setting up what the API cannot (an expired token).
    pub store: Arc<dyn Store>,
    /// Where the sealed proof-of-concept files are.
    pub blob_dir: PathBuf,
    pub backend: Backend,
    server: tokio::task::JoinHandle<()>,
    // Declared last so they are dropped after everything that uses them.
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// One answer: status, headers and the body as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub bytes: Vec<u8>,
}

impl Resp {
    /// `error.code` of the error envelope, or "" when there is none.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    /// `error.pointer` of the error envelope.
    pub fn pointer(&self) -> Option<&str> {
        self.json["error"]["pointer"].as_str()
    }

    /// The `error.diagnostics` as (code, pointer) pairs.
    pub fn diagnostics(&self) -> Vec<(String, String)> {
        self.json["error"]["diagnostics"]
            .as_array()
            .map(|a| a.iter().map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["pointer"].as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the status and, for errors, the envelope's code; returns self for more checks.
    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) -> &Self {
        assert_eq!((self.status.as_u16(), self.code()), (status, code), "unexpected answer: {}", self.describe());
        self
    }

    /// Asserts the status, the envelope's code and its pointer.
    #[track_caller]
    pub fn expect_at(&self, status: u16, code: &str, pointer: &str) -> &Self {
        assert_eq!((self.status.as_u16(), self.code(), self.pointer()), (status, code, Some(pointer)), "unexpected answer: {}", self.describe());
        self
    }

    pub fn describe(&self) -> String {
        let body = if self.json.is_null() { self.text() } else { self.json.to_string() };
        let body: String = body.chars().take(600).collect();
        format!("{} {}", self.status, body)
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder { backend: Backend::Sqlite, config: ServerConfig::default() }
    }

    pub async fn start(backend: Backend) -> TestApp {
        Self::builder().backend(backend).build().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the bearer token when one is given; finish it with [`TestApp::send`].
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends, and checks what every answer must carry: an `x-request-id`, and on errors the envelope.
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Resp {
        let resp = rb.send().await.expect("the request reaches the server");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("reading the body").to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let r = Resp { status, headers, json, bytes };
        assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()), "every response carries x-request-id: {}", r.describe());
        if status.is_client_error() || status.is_server_error() {
            assert!(
                r.json["error"]["code"].is_string() && r.json["error"]["message"].is_string(),
                "every error answers with the envelope {{\"error\": {{\"code\", \"message\"}}}}: {}",
                r.describe()
            );
        }
        r
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let mut rb = self.request(method, path, token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        self.send(rb).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::DELETE, path, token, None).await
    }

    /// A request body sent as is, with `content-type: application/json`.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: impl Into<reqwest::Body>) -> Resp {
        self.send(self.request(Method::POST, path, token).header("content-type", "application/json").body(body)).await
    }

    /// Creates an organisation of kind `researcher` with the server's default limits.
    pub async fn create_org(&self, name: &str) -> OrgRef {
        self.create_org_with(json!({"name": name, "kind": "researcher"})).await
    }

    /// Creates an organisation with explicit submission limits.
    pub async fn create_org_with_limits(&self, name: &str, per_minute: i64, per_day: i64) -> OrgRef {
        self.create_org_with(json!({"name": name, "kind": "researcher", "limits": {"reports_per_minute": per_minute, "reports_per_day": per_day}})).await
    }

    pub async fn create_org_with(&self, body: Value) -> OrgRef {
        let r = self.post("/v1/orgs", Some(&self.admin_token), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "creating org {body}: {}", r.describe());
        OrgRef { id: uuid(&r.json["id"]), name: r.json["name"].as_str().expect("org name").to_string() }
    }

    /// Creates a principal with `role` in `org` through `POST /v1/tokens`, as the admin.
    pub async fn create_member(&self, org: &str, role: &str) -> Member {
        self.create_principal_as(&self.admin_token, json!({"org": org, "role": role})).await
    }

    /// Creates a platform coordinator (in the `clearinghouse` organisation).
    pub async fn create_coordinator(&self) -> Member {
        self.create_principal_as(&self.admin_token, json!({"org": "clearinghouse", "role": "analyst", "coordinator": true})).await
    }

    pub async fn create_principal_as(&self, token: &str, body: Value) -> Member {
        let r = self.post("/v1/tokens", Some(token), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "creating a principal {body}: {}", r.describe());
        let token = r.json["token"].as_str().expect("the token is in the response").to_string();
        assert!(token.starts_with("chp_"), "tokens carry the chp_ prefix");
        Member {
            token,
            token_id: uuid(&r.json["id"]),
            principal_id: uuid(&r.json["principal_id"]),
            org_id: uuid(&r.json["org_id"]),
            org: body["org"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// Submits and insists on 201; returns the report as answered.
    pub async fn submit(&self, token: &str, doc: &Value) -> Value {
        let r = self.post("/v1/reports", Some(token), doc).await;
        assert_eq!(r.status, StatusCode::CREATED, "submitting {}: {}", doc["title"], r.describe());
        r.json
    }

    /// Submits and returns the new report's id.
    pub async fn submit_id(&self, token: &str, doc: &Value) -> String {
        self.submit(token, doc).await["id"].as_str().expect("report id").to_string()
    }

    /// Every report `token` can list, following `next` to the end.
    pub async fn list_all(&self, token: Option<&str>, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if query.is_empty() { "" } else { "&" };
            let path = match &cursor {
                Some(c) => format!("/v1/reports?{query}{sep}cursor={c}"),
                None => format!("/v1/reports?{query}"),
            };
            let r = self.get(&path, token).await;
            assert_eq!(r.status, StatusCode::OK, "listing {path}: {}", r.describe());
            out.extend(r.json["reports"].as_array().expect("reports array").iter().cloned());
            match r.json["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => return out,
            }
        }
    }

    /// Every audit event, as the admin.
    pub async fn audit_events(&self) -> Vec<Value> {
        let r = self.get("/v1/audit?limit=1000", Some(&self.admin_token)).await;
        assert_eq!(r.status, StatusCode::OK, "reading the audit log: {}", r.describe());
        r.json["events"].as_array().expect("events").clone()
    }

    /// Every file under the blob folder, relative to it.
    pub fn blob_files(&self) -> BTreeSet<PathBuf> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.insert(p.strip_prefix(root).expect("under the root").to_path_buf());
                }
            }
        }
        let mut out = BTreeSet::new();
        walk(&self.blob_dir, &self.blob_dir, &mut out);
        out
    }

    /// The bytes at rest of the blob with this address.
    pub fn blob_at_rest(&self, sha256: &str) -> Vec<u8> {
        std::fs::read(self.blob_dir.join(&sha256[..2]).join(&sha256[2..])).expect("the blob is on disk")
    }
}

#[derive(Debug, Clone)]
pub struct OrgRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub token: String,
    pub token_id: Uuid,
    pub principal_id: Uuid,
    pub org_id: Uuid,
    pub org: String,
}

pub fn uuid(v: &Value) -> Uuid {
    v.as_str().and_then(|s| Uuid::parse_str(s).ok()).unwrap_or_else(|| panic!("expected a UUID, got {v}"))
}

/// The year report ids are allocated in now.
pub fn this_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

/// A valid report document with every field the server echoes back spelled out, so the stored
/// document can be compared with it as a whole.
pub fn report_doc(title: &str, tlp: &str) -> Value {
    json!({
        "title": title,
        "description": "Out-of-bounds write in the header parser when the length field exceeds the buffer.",
        "affected": [{"purl": "pkg:cargo/libexample", "vers": "vers:cargo/>=1.0.0|<1.4.2"}],
        "weaknesses": ["CWE-787"],
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "finder": {"kind": "ai_model", "name": "test-finder", "version": "1", "human_reviewed": true},
        "tlp": tlp,
        "files": []
    })
}

/// `report_doc` with one affected package.
pub fn report_doc_for(title: &str, tlp: &str, purl: &str) -> Value {
    let mut d = report_doc(title, tlp);
    d["affected"] = json!([{"purl": purl}]);
    d
}

/// `report_doc` carrying one proof-of-concept file; returns the document and the file's SHA-256.
pub fn report_doc_with_file(title: &str, tlp: &str, name: &str, content: &[u8]) -> (Value, String) {
    let mut d = report_doc(title, tlp);
    d["files"] = json!([{"name": name, "media_type": "application/octet-stream", "content_base64": base64::engine::general_purpose::STANDARD.encode(content)}]);
    (d, hex::encode(Sha256::digest(content)))
}
