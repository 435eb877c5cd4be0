//! The CLI's commands other than `serve`.

use crate::client::{Client, ClientArgs};
use crate::config::{ServeArgs, StoreArgs, resolve};
use anyhow::{Context, bail};
use base64::Engine;
use clap::Subcommand;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

pub enum Outcome {
    Ok,
    /// The command's check found what it looks for (exit 1).
    Found,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Submit a report document (JSON); prints the new report's id.
    Submit {
        /// The report document; `-` reads standard input.
        file: PathBuf,
        /// Attach a proof-of-concept file (repeatable).
        #[arg(long = "attach")]
        attach: Vec<PathBuf>,
        /// Idempotency key; a random one is used (and reused on retries) when absent.
        #[arg(long)]
        idempotency_key: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List the reports you may see.
    List {
        #[arg(long)]
        status: Option<String>,
        /// type/name or type/namespace/name.
        #[arg(long)]
        package: Option<String>,
        /// The reporting organisation's name.
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        until: Option<String>,
        /// Stop after this many reports.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show one report.
    Show {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Move a report to another status (for example `triaged`), with a reason.
    Transition {
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Create an organisation (coordinators).
    Create {
        name: String,
        /// ai_developer, researcher, vendor, operator, sltt, agency or trusted_partner.
        #[arg(long)]
        kind: String,
        /// A CISA critical-infrastructure sector (repeatable; operators need one).
        #[arg(long = "sector")]
        sectors: Vec<String>,
        #[arg(long)]
        reports_per_minute: Option<i64>,
        #[arg(long)]
        reports_per_day: Option<i64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a principal in an organisation and print its token (only the token, on stdout).
    Create {
        #[arg(long)]
        org: String,
        /// admin, analyst or member.
        #[arg(long)]
        role: String,
        /// A name for the principal.
        #[arg(long)]
        name: Option<String>,
        /// Grant the platform coordinator role.
        #[arg(long)]
        coordinator: bool,
        #[arg(long)]
        expires_in: Option<u32>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List tokens (never their values).
    List {
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Revoke a token by id.
    Revoke {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Verify the audit log's hash chain in the database. Exit 0 intact, 1 tampered, 2 error.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Add a new at-rest encryption key and make it current; old keys keep old data readable.
    /// Restart servers to seal new data with it.
    Rotate {
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).expect("JSON values serialize"));
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(s).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(headers.to_vec());
    for r in rows {
        t.add_row(r);
    }
    println!("{t}");
}

pub async fn report(cmd: ReportCmd, json_out: bool) -> anyhow::Result<Outcome> {
    match cmd {
        ReportCmd::Submit { file, attach, idempotency_key, client } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let mut doc: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
            if !attach.is_empty() {
                let Some(obj) = doc.as_object_mut() else { bail!("the report document must be a JSON object") };
                let files = obj.entry("files").or_insert_with(|| json!([]));
                let Some(files) = files.as_array_mut() else { bail!("`files` in the document must be an array") };
                for path in &attach {
                    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("poc").to_string();
                    files.push(json!({"name": name, "content_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}));
                }
            }
            let key = idempotency_key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let (_, v) = Client::new(&client)?.call(Method::POST, "/v1/reports", &[], Some(&doc), Some(&key)).await?;
            if json_out { print_json(&v) } else { println!("{}", s(&v["id"])) }
        }
        ReportCmd::List { status, package, org, since, until, limit, client } => {
            let c = Client::new(&client)?;
            let mut query: Vec<(&str, String)> = Vec::new();
            for (k, v) in [("status", status), ("package", package), ("org", org), ("since", since), ("until", until)] {
                if let Some(v) = v {
                    query.push((k, v));
                }
            }
            let mut all = Vec::new();
            let mut cursor: Option<String> = None;
            while (all.len() as u32) < limit {
                let mut q = query.clone();
                q.push(("limit", (limit - all.len() as u32).min(500).to_string()));
                if let Some(cur) = &cursor {
                    q.push(("cursor", cur.clone()));
                }
                let (_, page) = c.call(Method::GET, "/v1/reports", &q, None, None).await?;
                all.extend(page["reports"].as_array().cloned().unwrap_or_default());
                match page["next"].as_str() {
                    Some(n) => cursor = Some(n.to_string()),
                    None => break,
                }
            }
            if json_out {
                print_json(&json!({"reports": all}));
            } else {
                table(
                    &["id", "status", "tlp", "title", "packages", "created"],
                    all.iter().map(|r| vec![s(&r["id"]), s(&r["status"]), s(&r["tlp"]), s(&r["title"]), s(&r["packages"]), s(&r["created_at"])]),
                );
            }
        }
        ReportCmd::Show { id, client } => {
            let (_, v) = Client::new(&client)?.call(Method::GET, &format!("/v1/reports/{id}"), &[], None, None).await?;
            if json_out {
                print_json(&v);
            } else {
                let d = &v["document"];
                println!("{}  {}  TLP:{}  {}", s(&v["id"]), s(&v["status"]), s(&v["tlp"]), s(&d["title"]));
                println!("submitted {}  by org {}", s(&v["created_at"]), s(&v["reporter_org"]));
                if !v["packages"].as_array().is_none_or(|a| a.is_empty()) {
                    println!("packages: {}", s(&v["packages"]));
                }
                if let Some(c) = v["cvss"].as_object() {
                    println!("CVSS {}: {} ({})", s(&c["version"]), s(&c["base_score"]), s(&c["base_severity"]));
                }
                println!("finder: {} ({})", s(&d["finder"]["name"]), s(&d["finder"]["kind"]));
                println!("\n{}\n", s(&d["description"]));
                for f in d["files"].as_array().into_iter().flatten() {
                    println!("file {} ({} bytes) sha256:{}", s(&f["name"]), s(&f["size"]), s(&f["sha256"]));
                }
                for h in v["history"].as_array().into_iter().flatten() {
                    println!("{}  {} -> {}  {}: {}", s(&h["at"]), s(&h["from"]), s(&h["to"]), s(&h["actor"]), s(&h["reason"]));
                }
            }
        }
        ReportCmd::Transition { id, to, reason, client } => {
            let body = json!({"to": to, "reason": reason});
            let (_, v) = Client::new(&client)?.call(Method::POST, &format!("/v1/reports/{id}/transitions"), &[], Some(&body), None).await?;
            if json_out { print_json(&v) } else { println!("{} is now {}", s(&v["id"]), s(&v["status"])) }
        }
    }
    Ok(Outcome::Ok)
}

pub async fn org(cmd: OrgCmd, json_out: bool) -> anyhow::Result<Outcome> {
    match cmd {
        OrgCmd::Create { name, kind, sectors, reports_per_minute, reports_per_day, client } => {
            let mut body = json!({"name": name, "kind": kind, "sectors": sectors});
            if reports_per_minute.is_some() || reports_per_day.is_some() {
                let d = clearinghouse_store::OrgLimits::default();
                body["limits"] = json!({
                    "reports_per_minute": reports_per_minute.unwrap_or(d.reports_per_minute),
                    "reports_per_day": reports_per_day.unwrap_or(d.reports_per_day),
                });
            }
            let (_, v) = Client::new(&client)?.call(Method::POST, "/v1/orgs", &[], Some(&body), None).await?;
            if json_out { print_json(&v) } else { println!("{}", s(&v["id"])) }
        }
        OrgCmd::List { client } => {
            let (_, v) = Client::new(&client)?.call(Method::GET, "/v1/orgs", &[], None, None).await?;
            if json_out {
                print_json(&v);
            } else {
                let orgs = v["orgs"].as_array().cloned().unwrap_or_default();
                table(&["name", "kind", "sectors", "id"], orgs.iter().map(|o| vec![s(&o["name"]), s(&o["kind"]), s(&o["sectors"]), s(&o["id"])]));
            }
        }
    }
    Ok(Outcome::Ok)
}

pub async fn token(cmd: TokenCmd, json_out: bool) -> anyhow::Result<Outcome> {
    match cmd {
        TokenCmd::Create { org, role, name, coordinator, expires_in, client } => {
            let body = json!({"org": org, "role": role, "name": name, "coordinator": coordinator, "expires_in_days": expires_in});
            let (_, v) = Client::new(&client)?.call(Method::POST, "/v1/tokens", &[], Some(&body), None).await?;
            if json_out { print_json(&v) } else { println!("{}", s(&v["token"])) }
        }
        TokenCmd::List { org, client } => {
            let q: Vec<(&str, String)> = org.map(|o| ("org", o)).into_iter().collect();
            let (_, v) = Client::new(&client)?.call(Method::GET, "/v1/tokens", &q, None, None).await?;
            if json_out {
                print_json(&v);
            } else {
                let tokens = v["tokens"].as_array().cloned().unwrap_or_default();
                table(
                    &["id", "principal", "role", "coordinator", "created", "expires", "revoked"],
                    tokens.iter().map(|t| {
                        vec![
                            s(&t["id"]),
                            s(&t["principal_name"]),
                            s(&t["role"]),
                            s(&t["coordinator"]),
                            s(&t["created_at"]),
                            s(&t["expires_at"]),
                            s(&t["revoked_at"]),
                        ]
                    }),
                );
            }
        }
        TokenCmd::Revoke { id, client } => {
            let (_, v) = Client::new(&client)?.call(Method::DELETE, &format!("/v1/tokens/{id}"), &[], None, None).await?;
            if json_out { print_json(&v) } else { println!("revoked {}", s(&v["id"])) }
        }
    }
    Ok(Outcome::Ok)
}

fn settings_for(store: StoreArgs) -> anyhow::Result<crate::config::Settings> {
    resolve(&ServeArgs { store, ..Default::default() })
}

pub async fn audit(cmd: AuditCmd, json_out: bool) -> anyhow::Result<Outcome> {
    let AuditCmd::Verify { store } = cmd;
    let settings = settings_for(store)?;
    if settings.database_url.is_none() && !settings.data_dir.join("clearinghouse.db").exists() {
        bail!("no database in {}: pass --data-dir or --database-url", settings.data_dir.display());
    }
    let opened = crate::open::open(&settings).await?;
    // The head is read first and the walk stops there, so events a running server appends meanwhile
    // are neither verified nor mistaken for tampering.
    let (head_seq, head_hash) = opened.store.audit_head().await?;
    let mut last: Option<(i64, String)> = None;
    let mut count = 0u64;
    'walk: loop {
        let after = last.as_ref().map(|(s, _)| *s).unwrap_or(0);
        let batch = opened.store.audit_events(after, 10_000).await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            if e.seq > head_seq {
                break 'walk;
            }
            if let Err(brk) = clearinghouse_model::audit::verify_next(last.as_ref().map(|(s, h)| (*s, h.as_str())), e) {
                return Ok(broken(json_out, count, brk.seq, &brk.reason));
            }
            last = Some((e.seq, e.hash.clone()));
            count += 1;
        }
    }
    // Events cut off the end leave a valid but shorter chain: the recorded head gives them away.
    let (last_seq, last_hash) = last.clone().unwrap_or((0, clearinghouse_model::audit::GENESIS_HASH.to_string()));
    if last_seq != head_seq {
        let reason = format!("the recorded head is event {head_seq} but the chain ends at event {last_seq}; events were removed from the end");
        return Ok(broken(json_out, count, last_seq + 1, &reason));
    }
    if last_hash != head_hash {
        return Ok(broken(json_out, count, last_seq, "the event's hash differs from the recorded head"));
    }
    if json_out {
        print_json(&json!({"intact": true, "verified": count, "head": last.map(|(s, h)| json!({"seq": s, "hash": h}))}));
    } else {
        match last {
            Some((seq, hash)) => println!("audit chain intact: {count} events, head {seq} {hash}"),
            None => println!("audit chain intact: no events yet"),
        }
    }
    Ok(Outcome::Ok)
}

fn broken(json_out: bool, verified: u64, seq: i64, reason: &str) -> Outcome {
    if json_out {
        print_json(&json!({"intact": false, "verified": verified, "first_bad_event": seq, "reason": reason}));
    } else {
        println!("audit chain BROKEN at event {seq}: {reason} ({verified} events before it verified)");
    }
    Outcome::Found
}

pub async fn keys(cmd: KeysCmd, json_out: bool) -> anyhow::Result<Outcome> {
    let KeysCmd::Rotate { store } = cmd;
    let settings = settings_for(store)?;
    crate::open::create_private_dir(&settings.data_dir)?;
    clearinghouse_store::keyring::Keyring::open_or_create(&settings.key_dir)?;
    let id = clearinghouse_store::keyring::Keyring::rotate(&settings.key_dir)?;
    if json_out {
        print_json(&json!({"current_key": id, "key_dir": settings.key_dir}));
    } else {
        println!("key {id} is now current in {}; restart servers to seal new data with it", settings.key_dir.display());
    }
    Ok(Outcome::Ok)
}
