//! Writes a synthetic CycloneDX 1.6 JSON SBOM of N components drawn from the packages and versions
//! that OSV advisory folders name, for benchmark 3 (`scripts/bench-scan.sh`).
//!
//! cargo run --release -p clearinghouse-matcher --example synthetic_sbom -- 1000000 OUT.json DB_FOLDER...
//!
//! The pool is every (ecosystem, package, version) the records mention: event versions
//! (`introduced` other than 0, `fixed`, `last_affected`) and listed `versions`, for the ecosystems
//! with a purl type here (crates.io and Go, the two corpora of `../shared/data/advisories`). Each
//! component picks one from the pool with a fixed pseudo-random sequence (the same file every run),
//! so about as many components are affected as not. Each carries what SBOM tools write for a
//! package, as `clearinghouse-sbom`'s `parse_big` example does: type, bom-ref, name, version, purl,
//! a SHA-256 hash and a licence, plus one dependency entry.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use clearinghouse_osv::parse_record;

fn purl(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    match ecosystem {
        "crates.io" => Some(format!("pkg:cargo/{name}@{version}")),
        // Go module paths are the purl's namespace and name; versions carry their `v`. Paths
        // without a namespace (`stdlib`, `toolchain`, `tailscale.com`) have no valid golang purl.
        "Go" if name.contains('/') => Some(format!("pkg:golang/{name}@v{}", version.trim_start_matches('v'))),
        _ => None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).ok_or("usage: synthetic_sbom N OUT DB_FOLDER...")?;
    let out = args.next().ok_or("usage: synthetic_sbom N OUT DB_FOLDER...")?;
    let mut pool: BTreeSet<(String, String)> = BTreeSet::new();
    let mut records = 0;
    for dir in args {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Some(record) = parse_record(&std::fs::read(&path)?).0 else { continue };
            records += 1;
            for a in &record.affected {
                let Some(p) = &a.package else { continue };
                let mut versions: Vec<&str> = a.versions.iter().map(String::as_str).collect();
                for r in &a.ranges {
                    for e in &r.events {
                        versions.extend([e.introduced.as_deref(), e.fixed.as_deref(), e.last_affected.as_deref()].into_iter().flatten());
                    }
                }
                for v in versions.into_iter().filter(|v| *v != "0" && !v.is_empty()) {
                    if let Some(purl) = purl(&p.ecosystem, &p.name, v) {
                        pool.insert((p.name.clone(), purl));
                    }
                }
            }
        }
    }
    let pool: Vec<(String, String)> = pool.into_iter().collect();
    if pool.is_empty() {
        return Err("no package versions in the given folders".into());
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(Path::new(&out))?);
    write!(
        f,
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{{"component":{{"type":"application","bom-ref":"app","name":"app","version":"1.0.0"}}}},"components":["#
    )?;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut pick = || {
        // xorshift64*: a fixed sequence, the same file every run.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as usize
    };
    let chosen: Vec<usize> = (0..n).map(|_| pick() % pool.len()).collect();
    for (i, &k) in chosen.iter().enumerate() {
        let (name, purl) = &pool[k];
        let version = purl.rsplit_once('@').map(|(_, v)| v).unwrap_or("");
        let hash = (i as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        if i > 0 {
            f.write_all(b",")?;
        }
        write!(
            f,
            r#"{{"type":"library","bom-ref":"c{i}","name":"{name}","version":"{version}","purl":"{purl}","hashes":[{{"alg":"SHA-256","content":"{hash:064x}"}}],"licenses":[{{"license":{{"id":"MIT"}}}}]}}"#
        )?;
    }
    f.write_all(br#"],"dependencies":["#)?;
    for i in 0..n {
        if i > 0 {
            f.write_all(b",")?;
        }
        write!(f, r#"{{"ref":"c{i}","dependsOn":["c{}"]}}"#, (i + 1) % n)?;
    }
    f.write_all(b"]}\n")?;
    f.flush()?;
    eprintln!("{n} components drawn from {} package versions of {records} records; wrote {out}", pool.len());
    Ok(())
}
