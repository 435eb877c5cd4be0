//! `serve` settings: flags win over `CLEARINGHOUSE_*` environment variables (clap reads both), which
//! win over the TOML file, which wins over the defaults here.

use anyhow::{Context, bail};
use clap::Args;
use clearinghouse_model::report::ReportLimits;
use clearinghouse_server::Publisher;
use clearinghouse_store::OrgLimits;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./clearinghouse-data";

#[derive(Debug, Clone, Args, Default)]
pub struct StoreArgs {
    /// Data folder: SQLite database, blobs, keys and the first admin token.
    #[arg(long, env = "CLEARINGHOUSE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, env = "CLEARINGHOUSE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder of the at-rest encryption keys; `<data-dir>/keys` when absent. Every replica of a
    /// scaled-out deployment needs the same keys.
    #[arg(long, env = "CLEARINGHOUSE_KEY_DIR")]
    pub key_dir: Option<PathBuf>,
    /// TOML configuration file (see clearinghouse.example.toml).
    #[arg(long, env = "CLEARINGHOUSE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLEARINGHOUSE_LISTEN")]
    pub listen: Option<SocketAddr>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub publisher: PublisherArgs,
    /// Validation workers to run in this process (0: none; jobs then wait for `clearinghouse worker`).
    #[arg(long, env = "CLEARINGHOUSE_WORKERS", default_value_t = 1)]
    pub workers: u32,
    #[command(flatten)]
    pub sandbox: crate::validate::SandboxArgs,
}

/// Who publishes the exports (`GET /v1/vulns/{id}/export/…`, `clearinghouse export`). The defaults
/// are placeholders that say so (`https://clearinghouse.invalid`, the nil UUID): a deployment sets
/// its own.
#[derive(Debug, Clone, Args, Default)]
pub struct PublisherArgs {
    /// The publisher's name in exported CSAF documents (`document.publisher.name`) [default: Clearinghouse].
    #[arg(long, env = "CLEARINGHOUSE_PUBLISHER_NAME", value_name = "NAME", value_parser = parse_publisher_name)]
    pub publisher_name: Option<String>,
    /// An absolute http(s) URL the publisher controls, identifying it in exported CSAF documents
    /// (`document.publisher.namespace`) [default: https://clearinghouse.invalid].
    #[arg(long, env = "CLEARINGHOUSE_PUBLISHER_NAMESPACE", value_name = "URL", value_parser = parse_publisher_namespace)]
    pub publisher_namespace: Option<String>,
    /// The CVE Program organisation id (a UUID) written in exported CVE 5 CNA containers
    /// (`providerMetadata.orgId`) [default: the nil UUID, which the CVE schema refuses].
    #[arg(long, env = "CLEARINGHOUSE_CVE_ORG_ID", value_name = "UUID", value_parser = parse_cve_org_id)]
    pub cve_org_id: Option<String>,
}

impl PublisherArgs {
    /// The publisher: each value given as a flag or in the environment, else the file's (checked as
    /// the flags are), else the default's.
    pub fn resolve(&self, file: &PublisherSection) -> anyhow::Result<Publisher> {
        let d = Publisher::default();
        let from_file = |value: &Option<String>, key: &str, parse: fn(&str) -> Result<String, String>| {
            value.as_deref().map(parse).transpose().map_err(|e| anyhow::anyhow!("config file: [publisher] {key}: {e}"))
        };
        Ok(Publisher {
            name: self.publisher_name.clone().or(from_file(&file.name, "name", parse_publisher_name)?).unwrap_or(d.name),
            namespace: self.publisher_namespace.clone().or(from_file(&file.namespace, "namespace", parse_publisher_namespace)?).unwrap_or(d.namespace),
            cve_org_id: self.cve_org_id.clone().or(from_file(&file.cve_org_id, "cve_org_id", parse_cve_org_id)?).unwrap_or(d.cve_org_id),
        })
    }
}

/// `[publisher]` in the TOML file: the same three settings as the flags.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PublisherSection {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub cve_org_id: Option<String>,
}

fn parse_publisher_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("the publisher's name cannot be empty".into());
    }
    Ok(s.to_string())
}

/// An absolute `http://` or `https://` URL with a host, kept as written (CSAF's namespace is the
/// publisher's own spelling).
fn parse_publisher_namespace(s: &str) -> Result<String, String> {
    let why = |what: &str| Err(format!("{s:?} is not an absolute http(s) URL ({what}), such as https://clearinghouse.example.org"));
    if s.trim() != s || s.is_empty() {
        return why("leading or trailing whitespace, or empty");
    }
    let url = match reqwest::Url::parse(s) {
        Ok(u) => u,
        Err(e) => return why(&e.to_string()),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return why(&format!("the scheme is {}", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return why("no host");
    }
    Ok(s.to_string())
}

/// A UUID in any form `uuid` reads, written hyphenated in lower case as the CVE schema wants.
fn parse_cve_org_id(s: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(s.trim()).map(|u| u.hyphenated().to_string()).map_err(|e| format!("{s:?} is not a UUID: {e}"))
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    /// The data folder (the default with SQLite).
    #[default]
    Fs,
    /// The database itself (the default with PostgreSQL, so every replica and worker sees the same files).
    Database,
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    #[default]
    Normal,
    Full,
}

/// The TOML file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub key_dir: Option<PathBuf>,
    pub blob_store: Option<BlobBackend>,
    #[serde(default)]
    pub sqlite: SqliteSection,
    #[serde(default)]
    pub postgres: PostgresSection,
    #[serde(default)]
    pub limits: Option<ReportLimits>,
    #[serde(default)]
    pub org_defaults: Option<OrgLimits>,
    pub request_timeout_secs: Option<u64>,
    #[serde(default)]
    pub publisher: PublisherSection,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SqliteSection {
    #[serde(default)]
    pub synchronous: Synchronous,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresSection {
    #[serde(default = "default_pg_connections")]
    pub max_connections: u32,
}

fn default_pg_connections() -> u32 {
    16
}

impl Default for PostgresSection {
    fn default() -> Self {
        Self { max_connections: default_pg_connections() }
    }
}

/// Everything resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub key_dir: PathBuf,
    pub blob_store: BlobBackend,
    pub synchronous: Synchronous,
    pub pg_max_connections: u32,
    pub report_limits: ReportLimits,
    pub org_defaults: OrgLimits,
    pub request_timeout_secs: u64,
    /// Who publishes the exports.
    pub publisher: Publisher,
}

pub fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
}

pub fn resolve(serve: &ServeArgs) -> anyhow::Result<Settings> {
    let file = match &serve.store.config {
        Some(p) => load_file(p)?,
        None => FileConfig::default(),
    };
    let data_dir = serve.store.data_dir.clone().or(file.data_dir.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let database_url = serve.store.database_url.clone().or(file.database_url.clone()).filter(|u| !u.is_empty());
    if let Some(url) = &database_url
        && !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:"))
    {
        bail!("--database-url must start with postgres://, postgresql:// or sqlite:");
    }
    let is_pg = database_url.as_deref().is_some_and(|u| u.starts_with("postgres"));
    let key_dir = serve.store.key_dir.clone().or(file.key_dir.clone()).unwrap_or_else(|| data_dir.join("keys"));
    let blob_store = file.blob_store.unwrap_or(if is_pg { BlobBackend::Database } else { BlobBackend::Fs });
    if blob_store == BlobBackend::Database && !is_pg {
        bail!("blob_store = \"database\" needs a PostgreSQL database_url");
    }
    let report_limits = file.limits.unwrap_or_default();
    let org_defaults = file.org_defaults.unwrap_or_default();
    if org_defaults.reports_per_minute < 1 || org_defaults.reports_per_day < 1 {
        bail!("org_defaults limits must be at least 1");
    }
    Ok(Settings {
        listen: serve.listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("default address parses")),
        data_dir,
        database_url,
        key_dir,
        blob_store,
        synchronous: file.sqlite.synchronous,
        pg_max_connections: file.postgres.max_connections,
        report_limits,
        org_defaults,
        request_timeout_secs: file.request_timeout_secs.unwrap_or(60),
        publisher: serve.publisher.resolve(&file.publisher)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/from/file\"\n[org_defaults]\nreports_per_minute = 5\nreports_per_day = 9\n").unwrap();
        let mut args = ServeArgs { store: StoreArgs { config: Some(path.clone()), ..Default::default() }, ..Default::default() };
        let s = resolve(&args).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.data_dir, PathBuf::from("/from/file"));
        assert_eq!(s.key_dir, PathBuf::from("/from/file/keys"));
        assert_eq!(s.org_defaults.reports_per_day, 9);
        args.listen = Some("127.0.0.1:7000".parse().unwrap());
        args.store.data_dir = Some("/from/flag".into());
        let s = resolve(&args).unwrap();
        assert_eq!((s.listen.port(), s.data_dir), (7000, PathBuf::from("/from/flag")));
        let s = resolve(&ServeArgs::default()).unwrap();
        assert_eq!((s.listen.to_string().as_str(), s.data_dir), (DEFAULT_LISTEN, PathBuf::from(DEFAULT_DATA_DIR)));
    }

    #[test]
    fn bad_files_are_errors_that_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let err = load_file(&path).unwrap_err();
        assert!(format!("{err:#}").contains("unknown field `listn`"), "{err:#}");
        let args = ServeArgs { store: StoreArgs { database_url: Some("mysql://x".into()), ..Default::default() }, ..Default::default() };
        assert!(resolve(&args).is_err());
    }

    #[test]
    fn the_publisher_comes_from_flags_or_environment_else_the_placeholders() {
        use clap::Parser;
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let parse = |args: &[&str]| Cli::try_parse_from([&["serve"], args].concat()).map(|c| resolve(&c.serve).unwrap().publisher);
        let p = parse(&[]).unwrap();
        assert_eq!((p.name.as_str(), p.namespace.as_str()), ("Clearinghouse", "https://clearinghouse.invalid"));
        assert_eq!(p.cve_org_id, "00000000-0000-0000-0000-000000000000");
        let p = parse(&[
            "--publisher-name",
            "Example CERT",
            "--publisher-namespace",
            "https://cert.example.org/psirt",
            "--cve-org-id",
            "9D7A5C1E8F7B4C3D9E2F0A1B2C3D4E5F",
        ])
        .unwrap();
        assert_eq!((p.name.as_str(), p.namespace.as_str()), ("Example CERT", "https://cert.example.org/psirt"));
        assert_eq!(p.cve_org_id, "9d7a5c1e-8f7b-4c3d-9e2f-0a1b2c3d4e5f", "written as the CVE schema wants");
        for bad in ["cert.example.org", "/psirt", "ftp://cert.example.org", "https://", "mailto:psirt@example.org", " https://cert.example.org", ""] {
            let e = parse(&["--publisher-namespace", bad]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{bad:?}");
            assert!(e.to_string().contains("not an absolute http(s) URL"), "{e}");
        }
        let e = parse(&["--cve-org-id", "acme"]).unwrap_err();
        assert!(e.to_string().contains("not a UUID"), "{e}");
        assert!(parse(&["--publisher-name", " "]).is_err());
    }

    #[test]
    fn the_example_file_parses() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../clearinghouse.example.toml");
        let cfg = load_file(Path::new(example)).unwrap();
        assert_eq!(cfg.listen.unwrap().port(), 8080);
        let p = PublisherArgs::default().resolve(&cfg.publisher).unwrap();
        assert_eq!(p.namespace, "https://clearinghouse.invalid", "the example shows the defaults");
    }

    #[test]
    fn the_publisher_comes_from_flags_then_the_file_and_bad_file_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[publisher]\nname = \"River CERT\"\nnamespace = \"https://cert.river.example\"\n").unwrap();
        let file = load_file(&path).unwrap();
        let flags = PublisherArgs { publisher_name: Some("Flag CERT".into()), ..PublisherArgs::default() };
        let p = flags.resolve(&file.publisher).unwrap();
        assert_eq!((p.name.as_str(), p.namespace.as_str()), ("Flag CERT", "https://cert.river.example"));
        std::fs::write(&path, "[publisher]\ncve_org_id = \"acme\"\n").unwrap();
        let e = PublisherArgs::default().resolve(&load_file(&path).unwrap().publisher).unwrap_err();
        assert!(e.to_string().contains("[publisher] cve_org_id") && e.to_string().contains("not a UUID"), "{e}");
    }
}
