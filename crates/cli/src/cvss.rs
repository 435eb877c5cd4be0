//! `clearinghouse cvss`: scores CVSS vectors offline with `clearinghouse-cvss`.
//!
//! People get one small table per vector; `--json` prints one object for one vector and an array
//! for several, each with `version`, `vector` (normalized), `base_score`, `base_severity` and,
//! where the vector has them, `temporal_score`/`temporal_severity` (v2, v3), `threat_score`/
//! `threat_severity` (v4.0), `environmental_score`/`environmental_severity`, and for v4.0 the
//! `nomenclature` of the whole vector's score. Any invalid vector: every problem of every vector
//! on stderr, nothing on stdout, exit 2.

use anyhow::anyhow;
use clap::Args;
use clearinghouse_cvss::{Scores, Vector, Version, parse};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::commands::Outcome;

#[derive(Debug, Args)]
pub struct CvssArgs {
    /// One or more vectors: `AV:N/AC:L/Au:N/C:P/I:P/A:P` (v2), `CVSS:3.1/…`, `CVSS:3.0/…`, `CVSS:4.0/…`.
    #[arg(required = true, value_name = "VECTOR")]
    vectors: Vec<String>,
}

#[derive(Serialize)]
struct Scored {
    version: Version,
    vector: String,
    #[serde(flatten)]
    scores: Scores,
}

pub fn run(args: CvssArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let mut parsed: Vec<Vector> = Vec::with_capacity(args.vectors.len());
    let mut invalid = 0;
    for input in &args.vectors {
        match parse(input) {
            Ok(v) => parsed.push(v),
            Err(problems) => {
                invalid += 1;
                eprintln!("invalid CVSS vector {input:?}:");
                for p in &problems {
                    eprintln!("  {}: {}", p.code, p.message);
                }
            }
        }
    }
    if invalid > 0 {
        return Err(anyhow!("{invalid} of {} CVSS vectors are invalid (the problems are listed above)", args.vectors.len()));
    }
    let scored: Vec<Scored> = parsed.iter().map(|v| Scored { version: v.version(), vector: v.normalized(), scores: v.scores() }).collect();
    if json_out {
        let text = if scored.len() == 1 { serde_json::to_string_pretty(&scored[0]) } else { serde_json::to_string_pretty(&scored) };
        println!("{}", text.expect("scores serialize"));
        return Ok(Outcome::Ok);
    }
    for (i, s) in scored.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{} (CVSS {})", s.vector, s.version);
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["Score", "Value", "Severity"]);
        let row = |t: &mut Table, name: &str, score: Option<f64>, severity: Option<clearinghouse_cvss::Severity>| {
            if let (Some(score), Some(severity)) = (score, severity) {
                t.add_row(vec![name.to_string(), format!("{score:.1}"), severity.to_string()]);
            }
        };
        let sc = &s.scores;
        if s.version == Version::V4_0 {
            let env_name = if sc.threat_score.is_some() { "CVSS-BTE" } else { "CVSS-BE" };
            row(&mut t, "CVSS-B (base)", Some(sc.base_score), Some(sc.base_severity));
            row(&mut t, "CVSS-BT (threat)", sc.threat_score, sc.threat_severity);
            row(&mut t, &format!("{env_name} (environmental)"), sc.environmental_score, sc.environmental_severity);
        } else {
            row(&mut t, "Base", Some(sc.base_score), Some(sc.base_severity));
            row(&mut t, "Temporal", sc.temporal_score, sc.temporal_severity);
            row(&mut t, "Environmental", sc.environmental_score, sc.environmental_severity);
        }
        println!("{t}");
    }
    Ok(Outcome::Ok)
}
