//! OSV records as source records: the OSV model is already the clearinghouse's matching model
//! (`clearinghouse-osv`); this keeps what it says next to what other sources say.

use crate::model::{AffectedProduct, Credit, Format, Product, Reference, Score, Source, SourceRecord, Status, VersionRange};
use clearinghouse_osv::Record;

/// The publisher of an OSV record: its id's prefix (`GHSA`, `RUSTSEC`, `GO`, `PYSEC`, …).
pub fn publisher_of(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

pub fn from_record(record: &Record) -> SourceRecord {
    let mut r = SourceRecord {
        source: Some(Source { format: Format::Osv, publisher: publisher_of(&record.id).to_string() }),
        id: record.id.clone(),
        aliases: record.aliases.clone(),
        related: record.related.clone(),
        title: record.summary.clone(),
        description: record.details.clone(),
        published: record.published.clone(),
        modified: record.modified.clone(),
        withdrawn: record.withdrawn.clone(),
        ..SourceRecord::default()
    };
    r.scores =
        record.severity.iter().map(|s| Score { kind: s.severity_type.clone(), vector: s.score.clone(), base_score: None, products: Vec::new() }).collect();
    for a in &record.affected {
        let product = Product {
            ecosystem: a.package.as_ref().map(|p| p.ecosystem.clone()),
            package: a.package.as_ref().map(|p| p.name.clone()),
            purl: a.package.as_ref().and_then(|p| p.purl.clone()),
            repo: a.ranges.iter().find_map(|r| r.repo.clone()),
            ..Product::default()
        };
        let mut ranges = Vec::new();
        for range in &a.ranges {
            // OSV events are a sequence; each `introduced` opens a stretch the next end closes.
            let mut open: Option<VersionRange> = None;
            for e in &range.events {
                if let Some(v) = &e.introduced {
                    ranges.extend(open.take());
                    open = Some(VersionRange { scheme: range.range_type.clone(), introduced: v.clone(), ..Default::default() });
                } else if let Some(cur) = open.as_mut() {
                    if let Some(v) = &e.fixed {
                        cur.fixed = Some(v.clone());
                    } else if let Some(v) = &e.last_affected {
                        cur.last_affected = Some(v.clone());
                    } else if let Some(v) = &e.limit {
                        cur.limit = Some(v.clone());
                    }
                    if cur.fixed.is_some() || cur.last_affected.is_some() {
                        ranges.extend(open.take());
                    }
                }
            }
            ranges.extend(open);
        }
        r.affected.push(AffectedProduct { product, status: Status::Affected, ranges, versions: a.versions.clone(), justification: None });
    }
    r.references = record.references.iter().map(|x| Reference { url: x.url.clone(), kind: Some(x.reference_type.clone()) }).collect();
    r.credits = record.credits.iter().map(|c| Credit { name: c.name.clone(), kind: c.credit_type.as_ref().map(|t| t.to_ascii_lowercase()) }).collect();
    if let Some(cwes) = record.database_specific.as_ref().and_then(|d| d.get("cwe_ids")).and_then(|c| c.as_array()) {
        r.weaknesses = cwes.iter().filter_map(|c| c.as_str()).map(|id| crate::model::Weakness { id: id.to_string(), name: None }).collect();
    }
    r
}
