//! The HTTP client behind the CLI's `report`, `org` and `token` commands.

use anyhow::{Context, anyhow};
use clap::Args;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Clearinghouse server URL.
    #[arg(long, env = "CLEARINGHOUSE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub server: String,
    /// API token (Authorization: Bearer).
    #[arg(long, env = "CLEARINGHOUSE_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

/// An error answered by the server, shown with its code, field and diagnostics.
#[derive(Debug)]
pub struct ServerError {
    pub status: StatusCode,
    pub body: Value,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.body["error"];
        let message = e["message"].as_str().unwrap_or("no message");
        write!(f, "server answered {}: {message}", self.status.as_u16())?;
        if let Some(code) = e["code"].as_str() {
            write!(f, " [{code}]")?;
        }
        if let Some(p) = e["pointer"].as_str() {
            write!(f, " at {p}")?;
        }
        if let Some(diags) = e["diagnostics"].as_array() {
            for d in diags.iter().skip(usize::from(diags.len() == 1)) {
                write!(f, "\n  {} at {}: {}", d["code"].as_str().unwrap_or("?"), d["pointer"].as_str().unwrap_or(""), d["message"].as_str().unwrap_or(""))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(args: &ClientArgs) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).user_agent(concat!("clearinghouse-cli/", env!("CARGO_PKG_VERSION"))).build()?;
        Ok(Self { http, base: args.server.trim_end_matches('/').to_string(), token: args.token.clone() })
    }

    /// Sends a request and returns the JSON answer. Connection failures and 502/503/504 are retried
    /// (with the same Idempotency-Key, when one is given, so a retried submission is never doubled).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let url = format!("{}{path}", self.base);
        let retriable = method == Method::GET || idempotency_key.is_some();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), &url).query(query);
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            if let Some(k) = idempotency_key {
                req = req.header("Idempotency-Key", k);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let result = req.send().await;
            let transient = match &result {
                Err(e) => e.is_connect() || e.is_timeout(),
                Ok(r) => matches!(r.status(), StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT),
            };
            if transient && retriable && attempt < 4 {
                tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
                continue;
            }
            let resp = result.with_context(|| format!("cannot reach {url}"))?;
            let status = resp.status();
            let text = resp.text().await.context("reading the answer")?;
            let json: Value = if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).map_err(|_| anyhow!("server answered {status} with non-JSON: {}", text.chars().take(200).collect::<String>()))?
            };
            if !status.is_success() {
                return Err(ServerError { status, body: json }.into());
            }
            return Ok((status, json));
        }
    }
}
