//! CISA's Known Exploited Vulnerabilities catalog: one [`SourceRecord`] per listed CVE, carrying
//! the exploitation facts (date added, federal due date, ransomware use, required action).

use crate::cve5::Imported;
use crate::json::{Problems, parse};
use crate::model::{AffectedProduct, Exploitation, Format, Product, Reference, Source, SourceRecord, Status, Weakness};
use clearinghouse_model::Diagnostic;

/// The catalog's own facts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub version: Option<String>,
    pub released: Option<String>,
    /// The count the catalog states (checked against the entries read).
    pub count: Option<u64>,
}

/// Reads the KEV catalog JSON. Entries without a `cveID` are problems and skipped; everything else
/// is kept. Fails only when the bytes are not a JSON object with a `vulnerabilities` array.
pub fn read(bytes: &[u8]) -> Result<(Catalog, Imported), Diagnostic> {
    let doc = parse(bytes)?;
    if !doc.get("vulnerabilities").is_some_and(|v| v.is_array()) {
        return Err(Diagnostic::new("not_kev", "/vulnerabilities", "a KEV catalog is an object with a `vulnerabilities` array"));
    }
    let mut p = Problems::default();
    let catalog = Catalog {
        version: p.str(&doc, "catalogVersion", "").map(str::to_string),
        released: p.str(&doc, "dateReleased", "").map(str::to_string),
        count: doc.get("count").and_then(|c| c.as_u64()),
    };
    let mut records = Vec::new();
    for (at, v) in p.array(&doc, "vulnerabilities", "") {
        let Some(id) = p.str(v, "cveID", &at) else {
            p.add("missing_field", &format!("{at}/cveID"), "an entry needs its cveID; skipped");
            continue;
        };
        let mut r = SourceRecord { source: Some(Source { format: Format::Kev, publisher: "CISA".into() }), id: id.to_string(), ..SourceRecord::default() };
        let name = p.str(v, "vulnerabilityName", &at).map(str::to_string);
        r.title = name.clone();
        r.description = p.str(v, "shortDescription", &at).map(str::to_string);
        r.published = p.str(v, "dateAdded", &at).map(str::to_string);
        r.affected.push(AffectedProduct {
            product: Product {
                vendor: p.str(v, "vendorProject", &at).map(str::to_string),
                name: p.str(v, "product", &at).map(str::to_string),
                ..Product::default()
            },
            status: Status::Affected,
            ..AffectedProduct::default()
        });
        r.weaknesses = p.strings(v, "cwes", &at).into_iter().map(|id| Weakness { id, name: None }).collect();
        // `notes` lists reference URLs separated by " ; ".
        if let Some(notes) = p.str(v, "notes", &at) {
            for part in notes.split(" ; ") {
                let url = part.trim().trim_start_matches("For more information, please see: ");
                let url = url.rsplit(' ').next().unwrap_or(url);
                if url.starts_with("https://") || url.starts_with("http://") {
                    r.references.push(Reference { url: url.to_string(), kind: None });
                }
            }
        }
        r.exploitation = Some(Exploitation {
            in_kev: true,
            date_added: r.published.clone(),
            due_date: p.str(v, "dueDate", &at).map(str::to_string),
            ransomware: p.str(v, "knownRansomwareCampaignUse", &at).map(str::to_string),
            required_action: p.str(v, "requiredAction", &at).map(str::to_string),
            vulnerability_name: name,
        });
        records.push(r);
    }
    if let Some(n) = catalog.count
        && n != records.len() as u64
    {
        p.add("count_mismatch", "/count", format!("the catalog says {n} entries; {} were read", records.len()));
    }
    Ok((catalog, Imported { records, diagnostics: p.0 }))
}
