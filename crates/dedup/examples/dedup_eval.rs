//! The labelled evaluation of near-duplicate detection: precision, recall and F1 of LSH candidates verified
//! by the estimated similarity, on three labelled sets (see `support/mod.rs`), with throughput.
//!
//! ```text
//! cargo run --release -p clearinghouse-dedup --example dedup_eval -- /work/shared/data [--json] [--errors N] [--sweep]
//! ```
//!
//! - `--json`: one JSON document instead of the table.
//! - `--errors N`: the N most similar false positives and false negatives of each set.
//! - `--sweep`: precision, recall and F1 for other feature settings, band layouts and thresholds (how the
//!   defaults were chosen).
//! - `--bands`, `--rows`, `--threshold`, `--min-ngram`, `--max-ngram`, `--package-weight`,
//!   `--location-weight`, `--no-location-words`, `--no-package-words`: evaluate another setting than the defaults.
//!
//! The Juliet set is embedded and always runs; the sets built from the shared data print
//! `SKIPPED: ... not found` when the folder is absent (exit status 0).

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;

use clearinghouse_dedup::{Features, Params};
use support::{LabelledSet, Metrics};

struct Args {
    data: PathBuf,
    json: bool,
    sweep: bool,
    errors: usize,
    params: Params,
    features: Features,
}

fn num<T: std::str::FromStr>(it: &mut impl Iterator<Item = String>, what: &str) -> Result<T, String> {
    it.next().and_then(|n| n.parse().ok()).ok_or_else(|| format!("{what} needs a number"))
}

const USAGE: &str = "usage: dedup_eval [DATA_DIR] [--json] [--errors N] [--sweep]
  other settings than the defaults (for tuning): [--bands B] [--rows R] [--threshold T]
  [--min-ngram N] [--max-ngram N] [--package-weight K] [--location-weight K] [--no-location-words] [--no-package-words]";

fn parse_args() -> Result<Args, String> {
    let mut args =
        Args { data: PathBuf::from("/work/shared/data"), json: false, sweep: false, errors: 0, params: Params::default(), features: Features::default() };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => args.json = true,
            "--sweep" => args.sweep = true,
            "--errors" => args.errors = num(&mut it, "--errors")?,
            "--bands" => args.params.bands = num(&mut it, "--bands")?,
            "--rows" => args.params.rows = num(&mut it, "--rows")?,
            "--threshold" => args.params.threshold = num(&mut it, "--threshold")?,
            "--min-ngram" => args.features.min_ngram = num(&mut it, "--min-ngram")?,
            "--max-ngram" => args.features.max_ngram = num(&mut it, "--max-ngram")?,
            "--package-weight" => args.features.package_weight = num(&mut it, "--package-weight")?,
            "--location-weight" => args.features.location_weight = num(&mut it, "--location-weight")?,
            "--no-location-words" => args.features.location_words = false,
            "--no-package-words" => args.features.package_words_in_text = false,
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => args.data = PathBuf::from(s),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut sets: Vec<LabelledSet> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    match support::juliet(support::JULIET_REWORDED) {
        Ok(s) => sets.push(s),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    if args.data.is_dir() {
        for (what, load) in [
            ("cve5/go-cna", support::go_cna_vs_osv as fn(&std::path::Path) -> Result<LabelledSet, String>),
            ("advisories/{rustsec,go}", support::alias_clusters),
        ] {
            match load(&args.data) {
                Ok(s) => sets.push(s),
                Err(e) => skipped.push(format!("SKIPPED: {what}: {e}")),
            }
        }
    } else {
        skipped.push(format!("SKIPPED: {} not found: only the in-repository Juliet set was evaluated", args.data.display()));
    }

    let (params, features) = (args.params, args.features);
    if let Err(e) = params.validate() {
        eprintln!("{e}");
        std::process::exit(2);
    }
    if args.sweep {
        sweep(&sets);
        for s in &skipped {
            println!("{s}");
        }
        return;
    }
    let mut all = Vec::new();
    for set in &sets {
        let run = support::run(set, &features, &params);
        let m = support::metrics(set, &run, params.threshold);
        if !args.json && args.errors > 0 {
            println!("-- {}: errors at threshold {}", set.name, params.threshold);
            for line in support::errors(set, &run, params.threshold, args.errors) {
                println!("   {line}");
            }
        }
        all.push(m);
    }
    if args.json {
        let doc = serde_json::json!({
            "params": params,
            "features": features,
            "fingerprint_version": clearinghouse_dedup::FINGERPRINT_VERSION,
            "sets": all,
            "notes": sets.iter().flat_map(|s| s.notes.iter().map(move |n| format!("{}: {n}", s.name))).collect::<Vec<_>>(),
            "skipped": skipped,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    println!(
        "params: {} permutations, {} bands x {} rows, threshold {}; P(candidate) at s = 0.1: {:.2}, 0.2: {:.2}, 0.3: {:.2}, 0.5: {:.2}",
        params.permutations,
        params.bands,
        params.rows,
        params.threshold,
        params.candidate_probability(0.1),
        params.candidate_probability(0.2),
        params.candidate_probability(0.3),
        params.candidate_probability(0.5)
    );
    println!("features: {features:?}");
    for s in &sets {
        for n in &s.notes {
            println!("{}: {n}", s.name);
        }
    }
    print_table(&all);
    for s in &skipped {
        println!("{s}");
    }
}

fn print_table(rows: &[Metrics]) {
    println!(
        "{:<16} {:>5} {:>5} {:>10} {:>5} {:>7} {:>6} {:>6} {:>5} {:>6} {:>6} {:>5} {:>6} {:>6} {:>6} {:>8} {:>8} {:>8}",
        "set", "docs", "dups", "pairs", "pos", "cands", "c/q", "c.rec", "TP", "FP", "FP=1", "FN", "prec", "recall", "F1", "exact F1", "fprint/s", "query/s"
    );
    for m in rows {
        println!(
            "{:<16} {:>5} {:>5} {:>10} {:>5} {:>7} {:>6.1} {:>6.3} {:>5} {:>6} {:>6} {:>5} {:>6.3} {:>6.3} {:>6.3} {:>8.3} {:>8.0} {:>8.0}",
            m.set,
            m.docs,
            m.duplicate_clusters,
            m.pairs,
            m.positives,
            m.candidates,
            m.candidates_per_query,
            m.candidate_recall,
            m.true_positives,
            m.false_positives,
            m.false_positives_identical,
            m.false_negatives,
            m.precision,
            m.recall,
            m.f1,
            m.exact_f1,
            m.fingerprints_per_second,
            m.queries_per_second
        );
    }
}

/// Other settings, for the record of why the defaults are what they are: F1 per set and the mean F1 of the
/// two sets whose labels are clean (Juliet reworded and Go CNA vs OSV; the alias clusters are printed but
/// their labels are too noisy to tune on, see the README).
fn sweep(sets: &[LabelledSet]) {
    let d = Features::default();
    let mut feature_settings = Vec::new();
    for (min, max) in [(1u8, 1u8), (1, 2), (1, 3), (1, 4), (2, 3)] {
        for (pw, lw) in [(1u8, 1u8), (1, 3), (3, 3)] {
            for package_words_in_text in [true, false] {
                for location_words in [true, false] {
                    feature_settings.push(Features {
                        min_ngram: min,
                        max_ngram: max,
                        package_weight: pw,
                        location_weight: lw,
                        location_words,
                        package_words_in_text,
                    });
                }
            }
        }
    }
    feature_settings.retain(|f| *f != d);
    feature_settings.insert(0, d);
    let layouts = [(64, 2), (42, 3), (32, 4), (25, 5), (21, 6), (16, 8)];
    let thresholds = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6];
    let label = |f: &Features| {
        format!(
            "{}-{}g p{} l{}{}{}",
            f.min_ngram,
            f.max_ngram,
            f.package_weight,
            f.location_weight,
            if f.location_words { " LW" } else { "" },
            if f.package_words_in_text { "" } else { " -PW" }
        )
    };
    println!(
        "{:<20} {:>5} {:>5} | {:>6} | {}",
        "features",
        "b x r",
        "t",
        "mean2",
        sets.iter().map(|s| format!("{:>16} F1 (c/q)", s.name)).collect::<Vec<_>>().join(" | ")
    );
    for f in &feature_settings {
        for &(bands, rows) in &layouts {
            let params = Params { permutations: 128, bands, rows, threshold: 0.0 };
            let runs: Vec<_> = sets.iter().map(|s| support::run(s, f, &params)).collect();
            for &t in &thresholds {
                let ms: Vec<Metrics> = sets.iter().zip(&runs).map(|(s, r)| support::metrics(s, r, t)).collect();
                let clean: Vec<f64> = ms.iter().filter(|m| m.set != "alias-clusters").map(|m| m.f1).collect();
                let mean = clean.iter().sum::<f64>() / clean.len().max(1) as f64;
                let cells: Vec<String> = ms.iter().map(|m| format!("{:>19.3} ({:>5.1})", m.f1, m.candidates_per_query)).collect();
                println!("{:<20} {:>5} {:>5} | {:>6.3} | {}", label(f), format!("{bands}x{rows}"), t, mean, cells.join(" | "));
            }
        }
    }
}
