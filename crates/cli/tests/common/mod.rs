//! Runs the real `clearinghouse` binary, as a user would.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_clearinghouse");

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `clearinghouse serve` on 127.0.0.1:0 and waits for its "listening on" line.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env_remove("CLEARINGHOUSE_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting clearinghouse serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(60)).expect("server did not report its address within 60 s");
        Server { child, url, data_dir: data_dir.to_path_buf() }
    }

    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("admin.token")).expect("admin.token exists").trim().to_string()
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        self.child.wait().expect("waiting for the server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the CLI against a server with a token; returns the output.
pub fn cli(server: Option<&str>, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("CLEARINGHOUSE_URL").env_remove("CLEARINGHOUSE_TOKEN").env_remove("CLEARINGHOUSE_DATABASE_URL").stdin(Stdio::null());
    if let Some(s) = server {
        cmd.env("CLEARINGHOUSE_URL", s);
    }
    if let Some(t) = token {
        cmd.env("CLEARINGHOUSE_TOKEN", t);
    }
    cmd.output().expect("running the clearinghouse binary")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn report_json(title: &str) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "description": "Out-of-bounds write in the header parser when the length field exceeds the buffer.",
        "affected": [{"purl": "pkg:cargo/libexample", "vers": "vers:cargo/>=1.0.0|<1.4.2"}],
        "weaknesses": ["CWE-787"],
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "finder": {"kind": "ai_model", "name": "test-finder", "version": "1"}
    })
}

/// An HTTP client for tests (plain HTTP on loopback; rustls still wants a provider installed).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().expect("building an HTTP client")
}

/// PostgreSQL base URL for the scale-out tests, or a visible skip.
pub fn pg_base_url(what: &str) -> Option<String> {
    match std::env::var("CLEARINGHOUSE_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: CLEARINGHOUSE_TEST_DATABASE_URL is not set; {what} not run");
            None
        }
    }
}
