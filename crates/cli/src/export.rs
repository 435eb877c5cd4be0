//! `clearinghouse export osv|csaf|cve5 ID`: one vulnerability of the local database (the same
//! `--data-dir` / `--database-url` as `serve` and `import`), by any of its ids, as a publication
//! document: pretty JSON on stdout, or in `--output FILE`. The document is the one
//! `GET /v1/vulns/{id}/export/{format}` answers (both call `clearinghouse_server::export`), with
//! the publisher of `serve`'s flags.
//!
//! Every diagnostic goes to stderr, one line each, `warning: <pointer>: <message> [<code>]`: what
//! the format could not carry and, for OSV, what the OSV linter finds in the record written. They
//! do not change the exit code: 0 when the document was written, 2 on any error (a vulnerability
//! not in the database included). `--json` changes nothing: stdout is the document either way.

use crate::commands::Outcome;
use crate::config::{PublisherArgs, ServeArgs, StoreArgs};
use anyhow::{Context, bail};
use clap::Args;
use clearinghouse_model::Diagnostic;
use clearinghouse_server::export::{FORMATS, export_document};
use std::io::Write;
use std::path::PathBuf;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `osv` (schema 1.7, linted), `csaf` (CSAF 2.0) or `cve5` (a CVE JSON 5.1 CNA container).
    #[arg(value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(FORMATS))]
    pub format: String,
    /// The vulnerability, by any of its ids (CVE, GHSA, …).
    pub id: String,
    /// Write the document to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub publisher: PublisherArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// One diagnostic as a line for stderr.
pub fn warning_line(d: &Diagnostic) -> String {
    if d.pointer.is_empty() { format!("warning: {} [{}]", d.message, d.code) } else { format!("warning: {}: {} [{}]", d.pointer, d.message, d.code) }
}

pub async fn run(args: ExportArgs, _json_out: bool) -> anyhow::Result<Outcome> {
    let settings = crate::config::resolve(&ServeArgs { store: args.store.clone(), publisher: args.publisher.clone(), ..Default::default() })?;
    let opened = crate::open::open(&settings).await?;
    let Some(v) = opened.store.get_vulnerability(&args.id).await? else {
        bail!("no vulnerability {} in the database", args.id);
    };
    let now = OffsetDateTime::now_utc().format(&Rfc3339)?;
    let (document, diagnostics) = export_document(&v, &args.format, &settings.publisher, &now)?;
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush()).context("writing to stdout")?;
        }
    }
    let mut err = std::io::stderr().lock();
    for d in &diagnostics {
        let _ = writeln!(err, "{}", warning_line(d));
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_the_pointer_the_message_and_the_code() {
        let d = Diagnostic::new("no_affected", "/affected", "no affected entry");
        assert_eq!(warning_line(&d), "warning: /affected: no affected entry [no_affected]");
        let d = Diagnostic::new("invalid_org_id", "", "not a version 4 UUID");
        assert_eq!(warning_line(&d), "warning: not a version 4 UUID [invalid_org_id]");
    }
}
