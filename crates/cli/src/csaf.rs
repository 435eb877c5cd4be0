//! `clearinghouse csaf validate FILE...`: CSAF 2.0 documents against the JSON schema and every
//! mandatory test (6.1.1 to 6.1.33), offline, with `clearinghouse-csaf`.
//!
//! People get one line per failure, `FILE: 6.1.3 at /pointer: message` (`schema` for the JSON
//! schema), or `FILE: valid`; `--json` prints one JSON object per file and line:
//! `{"file", "valid", "failures": [{"test", "pointer", "message"}]}`. Exit 0 when every document
//! is valid, 1 when any is invalid, 2 when a file cannot be read or is not JSON (the other files
//! are still validated and printed; the errors go to stderr).

use anyhow::anyhow;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::commands::Outcome;

#[derive(Debug, Subcommand)]
pub enum CsafCmd {
    /// Validate CSAF 2.0 documents: the JSON schema and the mandatory tests 6.1.1 to 6.1.33. Exit 0
    /// all valid, 1 any invalid (every failure listed), 2 a file cannot be read or is not JSON.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// One or more CSAF documents (JSON files).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Failure<'a> {
    test: &'a str,
    pointer: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    valid: bool,
    failures: Vec<Failure<'a>>,
}

pub fn run(cmd: CsafCmd, json_out: bool) -> anyhow::Result<Outcome> {
    match cmd {
        CsafCmd::Validate(args) => validate(args, json_out),
    }
}

fn validate(args: ValidateArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let mut errors = Vec::new();
    let mut invalid = 0usize;
    for path in &args.files {
        let file = path.display().to_string();
        let bytes = match read_bounded(path) {
            Ok(b) => b,
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                continue;
            }
        };
        let report = match clearinghouse_csaf::validate(&bytes) {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                continue;
            }
        };
        if !report.is_valid() {
            invalid += 1;
        }
        if json_out {
            let out = FileReport {
                file: &file,
                valid: report.is_valid(),
                failures: report.failures.iter().map(|f| Failure { test: &f.code, pointer: &f.pointer, message: &f.message }).collect(),
            };
            println!("{}", serde_json::to_string(&out).expect("report serializes"));
        } else if report.is_valid() {
            println!("{file}: valid");
        } else {
            for f in &report.failures {
                if f.pointer.is_empty() {
                    println!("{file}: {}: {}", f.code, f.message);
                } else {
                    println!("{file}: {} at {}: {}", f.code, f.pointer, f.message);
                }
            }
        }
    }
    if !errors.is_empty() {
        for e in &errors[..errors.len() - 1] {
            eprintln!("error: {e}");
        }
        return Err(anyhow!("{}", errors[errors.len() - 1]));
    }
    Ok(if invalid > 0 { Outcome::Found } else { Outcome::Ok })
}

/// Reads a file, refusing one larger than the validator reads (without reading it whole).
fn read_bounded(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let limit = clearinghouse_csaf::MAX_INPUT_BYTES as u64;
    let f = std::fs::File::open(path).map_err(|e| anyhow!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    f.take(limit + 1).read_to_end(&mut bytes).map_err(|e| anyhow!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(anyhow!("larger than {limit} bytes, the most a CSAF document may have here"));
    }
    Ok(bytes)
}
