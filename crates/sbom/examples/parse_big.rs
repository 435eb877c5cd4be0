//! Parse throughput on a synthetic CycloneDX 1.6 JSON SBOM generated in memory.
//!
//! cargo run --release -p clearinghouse-sbom --example parse_big -- 1000000
//! /usr/bin/time -v target/release/examples/parse_big 1000000            # peak memory of generate + parse
//! /usr/bin/time -v target/release/examples/parse_big 1000000 --generate-only   # the document alone
//!
//! Each component carries what SBOM tools write for a package (type, bom-ref, name, version, purl, a
//! SHA-256 hash, a licence) and a dependency entry, about 400 bytes per component.

use std::fmt::Write as _;
use std::time::Instant;

fn generate(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 420 + 1024);
    s.push_str(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{"component":{"type":"application","bom-ref":"app","name":"app","version":"1.0.0"}},"components":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"type":"library","bom-ref":"pkg:npm/package-{i}@1.{m}.{p}","name":"package-{i}","version":"1.{m}.{p}","purl":"pkg:npm/package-{i}@1.{m}.{p}","hashes":[{{"alg":"SHA-256","content":"{h:064x}"}}],"licenses":[{{"license":{{"id":"MIT"}}}}]}}"#,
            m = i % 97,
            p = i % 13,
            h = (i as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835),
        );
    }
    s.push_str(r#"],"dependencies":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        let j = (i + 1) % n;
        let _ = write!(s, r#"{{"ref":"pkg:npm/package-{i}@1.{}.{}","dependsOn":["pkg:npm/package-{j}@1.{}.{}"]}}"#, i % 97, i % 13, j % 97, j % 13);
    }
    s.push_str("]}");
    s.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let generate_only = args.next().as_deref() == Some("--generate-only");
    let t = Instant::now();
    let doc = generate(n);
    let generated = t.elapsed();
    let mib = doc.len() as f64 / (1024.0 * 1024.0);
    println!("components: {n}; document: {mib:.1} MiB; generated in {:.2} s", generated.as_secs_f64());
    if generate_only {
        return;
    }
    let t = Instant::now();
    let sbom = clearinghouse_sbom::read(&doc, Some("bom.json")).expect("the synthetic SBOM reads");
    let parsed = t.elapsed().as_secs_f64();
    assert_eq!(sbom.components.len(), n + 1);
    assert_eq!(sbom.dependencies.len(), n);
    assert!(sbom.diagnostics.is_empty(), "{:?}", &sbom.diagnostics[..sbom.diagnostics.len().min(3)]);
    println!(
        "read: {parsed:.3} s; {:.1} MiB/s; {:.0} components/s; {} components, {} dependency entries",
        mib / parsed,
        n as f64 / parsed,
        sbom.components.len(),
        sbom.dependencies.len()
    );
}
