//! Times `clearinghouse_sbom::read` on one file, many times over (for the lockfile readers, whose
//! cost is too small to see in a whole process run).
//!
//!     cargo run --release -p clearinghouse-sbom --example read_file -- PATH [RUNS]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: read_file PATH [RUNS]");
        std::process::exit(2);
    };
    let runs: u32 = args.next().and_then(|r| r.parse().ok()).unwrap_or(200);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let name = std::path::Path::new(&path).file_name().and_then(|n| n.to_str());
    let mut components = 0;
    let started = Instant::now();
    for _ in 0..runs {
        match clearinghouse_sbom::read(&bytes, name) {
            Ok(s) => components = s.components.len(),
            Err(d) => {
                eprintln!("{path}: {d}");
                std::process::exit(1);
            }
        }
    }
    let each = started.elapsed().as_secs_f64() / f64::from(runs);
    println!("{path}: {components} components, {} bytes, {:.3} ms per read ({runs} runs)", bytes.len(), each * 1000.0);
}
