//! A merged vulnerability as a CSAF 2.0 document: a `csaf_security_advisory` (a `csaf_vex` when
//! every product is not affected, with a justification, fixed or under investigation) with one
//! vulnerability, meant to pass the CSAF JSON schema and the mandatory tests (section 6.1).
//!
//! - Product tree: `vendor` → `product_name` → one leaf per version statement, each a product
//!   with a stable id (`CSAFPID-0001`, … in the order of [`Vulnerability::affected`]): a range is a
//!   `product_version_range` written as `vers:<scheme>/…` (the scheme from the ecosystem, `cargo`,
//!   `npm`, …, else from the range's ordering, `semver`, else `generic`); a single version a
//!   `product_version` (a `product_version_range` if it reads like a range, test 6.1.31); a product
//!   affected in every version `vers:all/*`. A product without a vendor has its `product_name`
//!   branch at the top. Leaves carry an identification helper: the purl (with the version for a
//!   single version; for ecosystem packages without one, built with
//!   [`clearinghouse_osv::purl_for`]) and the first CPE that the schema's pattern accepts.
//! - The version a range is fixed in becomes a product of its own with status `fixed`, and the
//!   range's product gets a `vendor_fix` remediation saying so.
//! - Product status: `known_affected`, `known_not_affected`, `fixed`, `under_investigation`. A
//!   product two sources give different statuses keeps the most trusted source's (the order of
//!   [`Vulnerability::affected`]) and the other is a diagnostic (test 6.1.6 forbids both).
//!   Not-affected justifications that are VEX justification codes become `flags`, other
//!   justifications `impact` threats.
//! - Scores: CVSS v3.x and v2 (CSAF 2.0 has no v4), for every affected product (or every product
//!   under investigation). The base score and severity are computed from the vector (test 6.1.9
//!   checks them; a stated score that differs is a diagnostic), and a vector that cannot be
//!   scored is left out.
//! - `cwe`: the first weakness; CSAF requires its name and test 6.1.11 compares it with the CWE
//!   catalogue, which this crate does not embed: [`to_csaf_with_cwe_names`] takes the catalogue as
//!   a function, and [`to_csaf`] writes the name the sources gave (stripped of a leading `CWE-n:`),
//!   leaving out a weakness that has none.
//! - Remediations of every source (each for every affected product, as sources do not name our
//!   products), exploitation (KEV) as an `exploit_status` threat, references as `external`,
//!   credits as acknowledgments (their kind as the summary), conflicts and withdrawal as document
//!   notes.
//!
//! Not carried: CVSS v4 scores and scores of other schemes; weaknesses after the first; which
//! products a source's score or remediation named; SSVC decision points; the status `unknown`
//! (CVE's); GIT ranges (commits have no order a `vers:` range can state); a range's `limit`;
//! products that have no name, package, purl or CPE; repositories; every CPE after the first.

use crate::merge::Vulnerability;
use crate::model::{AffectedProduct, Status, VersionRange};
use clearinghouse_model::Diagnostic;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The CSAF document's publisher (`document.publisher`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// `coordinator`, `discoverer`, `other`, `translator`, `user` or `vendor`.
    pub category: String,
    pub name: String,
    /// A URL the publisher controls, identifying it (`https://clearinghouse.example`).
    pub namespace: String,
    pub contact_details: Option<String>,
    pub issuing_authority: Option<String>,
}

/// The engine named in `document.tracking.generator`.
const ENGINE: &str = "Clearinghouse";

/// The CSAF document of `v`, and what could not be written. `now_rfc3339` is the generation time
/// (and the release dates when `v` has none).
pub fn to_csaf(v: &Vulnerability, publisher: &Publisher, now_rfc3339: &str) -> (Value, Vec<Diagnostic>) {
    Writer::default().write(v, publisher, now_rfc3339, None)
}

/// [`to_csaf`] with the CWE catalogue: `cwe_name("CWE-79")` gives the weakness's exact name, or
/// `None` for an id the catalogue does not have (that weakness is then left out).
pub fn to_csaf_with_cwe_names(
    v: &Vulnerability,
    publisher: &Publisher,
    now_rfc3339: &str,
    cwe_name: &dyn Fn(&str) -> Option<String>,
) -> (Value, Vec<Diagnostic>) {
    Writer::default().write(v, publisher, now_rfc3339, Some(cwe_name))
}

/// A date and time as RFC 3339 in UTC, from RFC 3339, a date alone (midnight UTC) or a date and
/// time without offset (UTC).
pub(crate) fn normalize_time(s: &str) -> Option<String> {
    let s = s.trim();
    let t = OffsetDateTime::parse(s, &Rfc3339).ok().or_else(|| {
        let date_only = time::macros::format_description!("[year]-[month]-[day]");
        let local = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
        time::PrimitiveDateTime::parse(s, local).ok().or_else(|| time::Date::parse(s, date_only).ok().map(|d| d.midnight())).map(|p| p.assume_utc())
    })?;
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok()
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// `^CVE-[0-9]{4}-[0-9]{4,}$`.
pub(crate) fn is_cve(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit())
}

/// `^CWE-[1-9]\d{0,5}$` (CSAF; CVE allows more digits).
fn is_cwe(id: &str) -> bool {
    id.strip_prefix("CWE-").is_some_and(|d| !d.is_empty() && d.len() <= 6 && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()))
}

/// A weakness name without the id some sources put in front (`CWE 347: …`, `CWE-79 …`).
pub(crate) fn bare_cwe_name(name: &str) -> &str {
    let Some(rest) = name.trim().strip_prefix("CWE") else { return name.trim() };
    let rest = rest.trim_start_matches(['-', ' ']);
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.trim_start_matches([':', ' ', '-']).trim()
}

/// An absolute URI without characters a URI cannot hold (what the schemas' `uri` format asks).
pub(crate) fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && s.len() <= 2048
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'))
}

/// The CVSS severity band of a v3 or v4 base score.
pub(crate) fn severity(score: f64) -> &'static str {
    match score {
        s if s <= 0.0 => "NONE",
        s if s < 4.0 => "LOW",
        s if s < 7.0 => "MEDIUM",
        s if s < 9.0 => "HIGH",
        _ => "CRITICAL",
    }
}

/// A CPE the CSAF schema's pattern accepts: a CPE 2.3 formatted string or a CPE 2.2 URI.
pub(crate) fn is_csaf_cpe(cpe: &str) -> bool {
    if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        // Split on unescaped colons.
        let mut parts: Vec<String> = vec![String::new()];
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let Some(n) = chars.next() else { return false };
                    let last = parts.last_mut().unwrap_or_else(|| unreachable!());
                    last.push('\\');
                    last.push(n);
                }
                ':' => parts.push(String::new()),
                c => parts.last_mut().unwrap_or_else(|| unreachable!()).push(c),
            }
        }
        if parts.len() != 11 || !matches!(parts[0].as_str(), "a" | "h" | "o" | "*" | "-") {
            return false;
        }
        let component = |s: &str| -> bool {
            if s == "*" || s == "-" {
                return true;
            }
            let s = s.strip_prefix('*').unwrap_or_else(|| s.trim_start_matches('?'));
            let s = s.strip_suffix('*').filter(|x| !x.ends_with('\\')).unwrap_or_else(|| s.trim_end_matches('?'));
            let mut chars = s.chars();
            let mut any = false;
            while let Some(c) = chars.next() {
                any = true;
                match c {
                    '\\' => {
                        if !chars.next().is_some_and(|n| "\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~".contains(n)) {
                            return false;
                        }
                    }
                    c if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') => {}
                    _ => return false,
                }
            }
            any
        };
        let language = |s: &str| -> bool {
            if s == "*" || s == "-" {
                return true;
            }
            let (lang, region) = match s.split_once('-') {
                Some((l, r)) => (l, Some(r)),
                None => (s, None),
            };
            (2..=3).contains(&lang.len())
                && lang.chars().all(|c| c.is_ascii_alphabetic())
                && region
                    .is_none_or(|r| (r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic())) || (r.len() == 3 && r.chars().all(|c| c.is_ascii_digit())))
        };
        return parts[1..6].iter().all(|p| component(p)) && language(&parts[6]) && parts[7..].iter().all(|p| component(p));
    }
    let Some(rest) = cpe.strip_prefix("cpe:/").or_else(|| cpe.get(..5).filter(|p| p.eq_ignore_ascii_case("cpe:/")).and_then(|_| cpe.get(5..))) else {
        return false;
    };
    if !cpe.starts_with('c') {
        return false;
    }
    let rest = rest.strip_prefix(['a', 'h', 'o', 'A', 'H', 'O']).unwrap_or(rest);
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix(':') else { return false };
    let parts: Vec<&str> = rest.split(':').collect();
    parts.len() <= 6 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '~' | '%')))
}

/// The `vers` versioning scheme of a product's ecosystem, else of the range's ordering.
fn vers_scheme(ecosystem: Option<&str>, scheme: &str) -> String {
    let base = ecosystem.map(|e| e.split(':').next().unwrap_or(e));
    let by_ecosystem = match base {
        Some("crates.io") => Some("cargo"),
        Some("Go") => Some("golang"),
        Some("npm") => Some("npm"),
        Some("PyPI") => Some("pypi"),
        Some("Maven") => Some("maven"),
        Some("RubyGems") => Some("gem"),
        Some("NuGet") => Some("nuget"),
        Some("Packagist") => Some("composer"),
        Some("Hex") => Some("hex"),
        Some("Pub") => Some("pub"),
        Some("CRAN") => Some("cran"),
        Some("Hackage") => Some("hackage"),
        Some("Debian" | "Ubuntu") => Some("deb"),
        Some("Alpine") => Some("alpine"),
        Some("Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia" | "openEuler") => Some("rpm"),
        _ => None,
    };
    if let Some(s) = by_ecosystem {
        return s.into();
    }
    match scheme.to_ascii_lowercase().as_str() {
        "semver" => "semver".into(),
        "rpm" => "rpm".into(),
        "maven" => "maven".into(),
        "python" | "pypi" => "pypi".into(),
        "deb" | "dpkg" => "deb".into(),
        // Schemes a CSAF document gave (`vers:npm/…` read back) pass through.
        s if !s.is_empty()
            && s != "ecosystem"
            && s != "custom"
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') =>
        {
            s.into()
        }
        _ => "generic".into(),
    }
}

/// A version percent-encoded where `vers` gives a character a meaning.
fn vers_version(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '+' | ':') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A range as `vers:<scheme>/<constraints>`.
fn vers(ecosystem: Option<&str>, r: &VersionRange) -> String {
    let mut constraints = Vec::new();
    if !(r.introduced.is_empty() || r.introduced == "0") {
        constraints.push(format!(">={}", vers_version(&r.introduced)));
    }
    if let Some(f) = &r.fixed {
        constraints.push(format!("<{}", vers_version(f)));
    } else if let Some(l) = &r.last_affected {
        constraints.push(format!("<={}", vers_version(l)));
    }
    if constraints.is_empty() {
        constraints.push("*".into());
    }
    format!("vers:{}/{}", vers_scheme(ecosystem, &r.scheme), constraints.join("|"))
}

/// Test 6.1.31's list: a `product_version` name must not read like a range.
fn reads_like_range(v: &str) -> bool {
    let v = v.to_lowercase();
    ["<", ">", "after", "all", "before", "earlier", "later", "prior", "versions"].iter().any(|w| v.contains(w))
}

/// The tracking system of an id, by its prefix.
fn system_name(id: &str) -> String {
    match id.split('-').next().unwrap_or(id) {
        "CVE" => "CVE".into(),
        "GHSA" => "GitHub Security Advisories".into(),
        "GO" => "Go Vulnerability Database".into(),
        "RUSTSEC" => "RustSec Advisory Database".into(),
        "PYSEC" => "PyPI Advisory Database".into(),
        "OSV" => "OSV".into(),
        prefix if !prefix.is_empty() && prefix != id => prefix.to_string(),
        _ => "other".into(),
    }
}

/// VEX justification codes, which CSAF writes as flags.
const FLAG_LABELS: [&str; 5] = [
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
];

struct Leaf {
    category: &'static str,
    name: String,
    full_name: String,
    purl: Option<String>,
    cpe: Option<String>,
    id: String,
}

/// A `product_name` branch: its name and the indexes of its leaves.
type NameBranch = (String, Vec<usize>);

/// A CWE catalogue: the name of a weakness by its id.
type CweNames<'a> = &'a dyn Fn(&str) -> Option<String>;

type LeafKey = (Option<String>, String, &'static str, String, Option<String>, Option<String>);

/// The product tree being built: vendors in order of appearance, their product names, the leaves.
#[derive(Default)]
struct Writer {
    /// Vendors (`None`: products without one) with their product names and those names' leaves.
    vendors: Vec<(Option<String>, Vec<NameBranch>)>,
    leaves: Vec<Leaf>,
    index: HashMap<LeafKey, usize>,
    /// Where each (vendor, product name) branch is in `vendors`.
    branch_of: HashMap<(Option<String>, String), (usize, usize)>,
    status_of: HashMap<String, Status>,
    lists: Vec<(Status, Vec<String>)>,
    flags: Vec<(String, Vec<String>)>,
    impacts: Vec<(String, Vec<String>)>,
    problems: Vec<Diagnostic>,
}

/// What names a product in the tree, and its identifiers.
#[derive(Clone)]
struct Named {
    vendor: Option<String>,
    name: String,
    purl: Option<clearinghouse_osv::Purl>,
    cpe: Option<String>,
}

impl Writer {
    fn problem(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Diagnostic::new(code, pointer, message));
    }

    /// The product id of a leaf, adding it (and its branches) when new.
    fn leaf(&mut self, n: &Named, category: &'static str, leaf_name: &str, versioned_purl: bool) -> String {
        let purl = n.purl.as_ref().map(|p| if versioned_purl { p.with_version(Some(leaf_name)) } else { p.without_version() }.to_string());
        let key: LeafKey = (n.vendor.clone(), n.name.clone(), category, leaf_name.to_string(), purl.clone(), n.cpe.clone());
        if let Some(&i) = self.index.get(&key) {
            return self.leaves[i].id.clone();
        }
        let id = format!("CSAFPID-{:04}", self.leaves.len() + 1);
        let shown = if leaf_name == "vers:all/*" { "(all versions)".to_string() } else { leaf_name.to_string() };
        let full_name = match &n.vendor {
            Some(v) if !n.name.starts_with(v.as_str()) => format!("{v} {} {shown}", n.name),
            _ => format!("{} {shown}", n.name),
        };
        self.leaves.push(Leaf { category, name: leaf_name.to_string(), full_name, purl, cpe: n.cpe.clone(), id: id.clone() });
        let i = self.leaves.len() - 1;
        self.index.insert(key, i);
        match self.branch_of.get(&(n.vendor.clone(), n.name.clone())) {
            Some(&(vendor, name)) => self.vendors[vendor].1[name].1.push(i),
            None => {
                let vendor = match self.vendors.iter().position(|(v, _)| *v == n.vendor) {
                    Some(at) => at,
                    None => {
                        self.vendors.push((n.vendor.clone(), Vec::new()));
                        self.vendors.len() - 1
                    }
                };
                self.vendors[vendor].1.push((n.name.clone(), vec![i]));
                self.branch_of.insert((n.vendor.clone(), n.name.clone()), (vendor, self.vendors[vendor].1.len() - 1));
            }
        }
        id
    }

    /// Gives `id` a status, unless it has one (the first, most trusted, is kept). True when set.
    fn set_status(&mut self, id: &str, status: Status, at: &str) -> bool {
        if let Some(&had) = self.status_of.get(id) {
            if had != status {
                // Ids are `CSAFPID-<n>`, the n-th leaf.
                let leaf = id.strip_prefix("CSAFPID-").and_then(|n| n.parse::<usize>().ok()).and_then(|n| self.leaves.get(n.wrapping_sub(1)));
                let name = leaf.map_or(id, |l| l.full_name.as_str()).to_string();
                self.problem("contradicting_status", at, format!("{name} is {had:?} by a more trusted source and {status:?} here; the first is kept"));
            }
            return false;
        }
        self.status_of.insert(id.to_string(), status);
        match self.lists.iter_mut().find(|(s, _)| *s == status) {
            Some((_, ids)) => ids.push(id.to_string()),
            None => self.lists.push((status, vec![id.to_string()])),
        }
        true
    }

    fn ids_with(&self, status: Status) -> Vec<String> {
        self.lists.iter().find(|(s, _)| *s == status).map(|(_, ids)| ids.clone()).unwrap_or_default()
    }

    fn named(&mut self, a: &AffectedProduct, at: &str) -> Option<Named> {
        let p = &a.product;
        let parsed = p.purl.as_deref().and_then(|s| clearinghouse_osv::Purl::parse_lenient(s).ok());
        let purl = parsed.clone().or_else(|| {
            let eco = clearinghouse_osv::Ecosystem::parse(p.ecosystem.as_deref()?).ok()?;
            clearinghouse_osv::purl_for(&eco, p.package.as_deref()?, None).ok()
        });
        if p.purl.is_some() && parsed.is_none() {
            self.problem("not_in_csaf", format!("{at}/product/purl"), "the purl does not parse; left out");
        }
        let cpe = p.cpes.iter().find(|c| is_csaf_cpe(c)).cloned();
        if cpe.is_none() && !p.cpes.is_empty() {
            self.problem("not_in_csaf", format!("{at}/product/cpes"), "no CPE matches the CSAF schema's pattern; left out");
        }
        let name = p.name.clone().or_else(|| p.package.clone()).or_else(|| parsed.as_ref().map(|x| x.name().to_string())).or_else(|| cpe.clone());
        let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
            self.problem("not_in_csaf", at, "a product without name, package, purl or CPE cannot be named in CSAF; left out");
            return None;
        };
        let vendor = p.vendor.clone().filter(|v| !v.trim().is_empty());
        Some(Named { vendor, name, purl, cpe })
    }

    fn write(mut self, v: &Vulnerability, publisher: &Publisher, now_rfc3339: &str, cwe_name: Option<CweNames<'_>>) -> (Value, Vec<Diagnostic>) {
        let now = normalize_time(now_rfc3339).unwrap_or_else(|| {
            self.problem("invalid_time", "", format!("now {now_rfc3339:?} is not an RFC 3339 date and time"));
            "1970-01-01T00:00:00Z".into()
        });
        let time_or_now = |w: &mut Writer, field: &str, t: Option<&String>| -> String {
            match t.map(|t| (t, normalize_time(t))) {
                Some((_, Some(n))) => n,
                Some((raw, None)) => {
                    w.problem("invalid_time", format!("/{field}"), format!("{raw:?} is not a date and time; the generation time is used"));
                    now.clone()
                }
                None => now.clone(),
            }
        };
        let initial = time_or_now(&mut self, "published", v.published.as_ref());
        let mut current = time_or_now(&mut self, "modified", v.modified.as_ref());
        if parse_time(&current) < parse_time(&initial) {
            current = initial.clone();
        }

        // Products and statuses, in the order of trust; then the versions fixed ranges end at.
        let mut fixes: Vec<(String, String)> = Vec::new();
        let mut fixed_leaves: Vec<(usize, Named, String)> = Vec::new();
        for (i, a) in v.affected.iter().enumerate() {
            let at = format!("/affected/{i}");
            if a.status == Status::Unknown {
                self.problem("not_in_csaf", &at, "CSAF has no product status for `unknown`; left out");
                continue;
            }
            let Some(named) = self.named(a, &at) else { continue };
            let eco = a.product.ecosystem.as_deref();
            let mut ids = Vec::new();
            for (k, r) in a.ranges.iter().enumerate() {
                if r.scheme.eq_ignore_ascii_case("git") {
                    self.problem("not_in_csaf", format!("{at}/ranges/{k}"), "a GIT range (commits) has no vers: form; left out");
                    continue;
                }
                let id = self.leaf(&named, "product_version_range", &vers(eco, r), false);
                if a.status == Status::Affected
                    && let Some(f) = &r.fixed
                {
                    fixes.push((id.clone(), f.clone()));
                    fixed_leaves.push((i, named.clone(), f.clone()));
                }
                ids.push(id);
            }
            for version in &a.versions {
                let category = if reads_like_range(version) { "product_version_range" } else { "product_version" };
                ids.push(self.leaf(&named, category, version, category == "product_version"));
            }
            if a.ranges.is_empty() && a.versions.is_empty() {
                ids.push(self.leaf(&named, "product_version_range", "vers:all/*", false));
            }
            for id in ids {
                if self.set_status(&id, a.status, &at)
                    && a.status == Status::NotAffected
                    && let Some(j) = &a.justification
                {
                    let list = if FLAG_LABELS.contains(&j.as_str()) { &mut self.flags } else { &mut self.impacts };
                    match list.iter_mut().find(|(text, _)| text == j) {
                        Some((_, ids)) => ids.push(id),
                        None => list.push((j.clone(), vec![id])),
                    }
                }
            }
        }
        for (i, named, version) in fixed_leaves {
            let category = if reads_like_range(&version) { "product_version_range" } else { "product_version" };
            let id = self.leaf(&named, category, &version, category == "product_version");
            if !self.status_of.contains_key(&id) {
                self.set_status(&id, Status::Fixed, &format!("/affected/{i}"));
            }
        }

        let mut vuln = Map::new();
        let cve = if is_cve(&v.id) { Some(v.id.clone()) } else { v.ids.iter().find(|i| is_cve(i)).cloned() };
        if let Some(c) = &cve {
            vuln.insert("cve".into(), json!(c));
        }
        let other_ids: Vec<Value> = v.ids.iter().filter(|i| Some(*i) != cve.as_ref()).map(|i| json!({ "system_name": system_name(i), "text": i })).collect();
        if !other_ids.is_empty() {
            vuln.insert("ids".into(), json!(other_ids));
        }
        if let Some(t) = v.title.as_ref().filter(|t| !t.trim().is_empty()) {
            vuln.insert("title".into(), json!(t));
        }
        let note = match (&v.description, &v.title) {
            (Some(d), _) if !d.trim().is_empty() => d.clone(),
            (_, Some(t)) if !t.trim().is_empty() => {
                self.problem("missing_description", "/description", "no description; the title is the vulnerability's note");
                t.clone()
            }
            _ => {
                self.problem("missing_description", "/description", "no description or title; the id is the vulnerability's note");
                v.id.clone()
            }
        };
        vuln.insert("notes".into(), json!([{ "category": "description", "text": note, "title": "Description" }]));
        if let Some(p) = &v.published {
            vuln.insert("release_date".into(), json!(normalize_time(p).unwrap_or_else(|| initial.clone())));
        }
        let usable: Vec<_> = v.weaknesses.iter().filter(|w| is_cwe(&w.id)).collect();
        let mut cwe_written = None;
        for w in &usable {
            let name = match cwe_name {
                Some(catalogue) => catalogue(&w.id),
                None => w.name.as_deref().map(bare_cwe_name).filter(|n| !n.is_empty()).map(str::to_string),
            };
            match name {
                Some(name) => {
                    vuln.insert("cwe".into(), json!({ "id": w.id, "name": name }));
                    cwe_written = Some(w.id.clone());
                    break;
                }
                None if cwe_name.is_some() => self.problem("not_in_csaf", "/weaknesses", format!("{} is not in the CWE catalogue", w.id)),
                None => self.problem("not_in_csaf", "/weaknesses", format!("{} has no name to write; CSAF requires one", w.id)),
            }
        }
        let dropped: Vec<&str> = v.weaknesses.iter().map(|w| w.id.as_str()).filter(|id| Some(*id) != cwe_written.as_deref()).collect();
        if !dropped.is_empty() {
            self.problem("not_in_csaf", "/weaknesses", format!("CSAF 2.0 holds one CWE per vulnerability; {} left out", dropped.join(", ")));
        }
        if self.leaves.is_empty() {
            self.problem("no_products", "/affected", "no product can be named: the document has no product tree or product status, which CSAF requires");
        }
        let mut status = Map::new();
        for (s, key) in [
            (Status::Affected, "known_affected"),
            (Status::NotAffected, "known_not_affected"),
            (Status::Fixed, "fixed"),
            (Status::UnderInvestigation, "under_investigation"),
        ] {
            let ids = self.ids_with(s);
            if !ids.is_empty() {
                status.insert(key.into(), json!(ids));
            }
        }
        if !status.is_empty() {
            vuln.insert("product_status".into(), Value::Object(status));
        }
        if !self.flags.is_empty() {
            let flags: Vec<Value> = self.flags.iter().map(|(label, ids)| json!({ "label": label, "product_ids": ids })).collect();
            vuln.insert("flags".into(), json!(flags));
        }
        let affected_ids = self.ids_with(Status::Affected);
        let scored_ids = if affected_ids.is_empty() { self.ids_with(Status::UnderInvestigation) } else { affected_ids.clone() };
        let mut scores = Vec::new();
        for (k, s) in v.scores.iter().enumerate() {
            let at = format!("/scores/{k}");
            let key = match s.kind.as_str() {
                "CVSS_V3" => "cvss_v3",
                "CVSS_V2" => "cvss_v2",
                other => {
                    self.problem("not_in_csaf", &at, format!("CSAF 2.0 has no place for {other} scores; left out"));
                    continue;
                }
            };
            let vector = s.vector.trim().trim_start_matches('(').trim_end_matches(')').trim_start_matches("CVSS:2.0/");
            let summary = match clearinghouse_model::validate::parse_cvss(vector) {
                Ok(x) => x,
                Err(e) => {
                    self.problem("not_in_csaf", &at, format!("{vector:?} cannot be scored ({e}); left out"));
                    continue;
                }
            };
            let expected = if key == "cvss_v2" { "2.0" } else { "3" };
            if !summary.version.starts_with(expected) {
                self.problem("not_in_csaf", &at, format!("a {} score with a CVSS {} vector; left out", s.kind, summary.version));
                continue;
            }
            if let Some(stated) = s.base_score
                && (stated - summary.base_score).abs() > 0.05
            {
                self.problem(
                    "score_mismatch",
                    &at,
                    format!("the source states {stated} for {vector}, which scores {}; the computed score is written", summary.base_score),
                );
            }
            if scored_ids.is_empty() {
                self.problem("not_in_csaf", &at, "no affected product for the score to apply to; left out");
                continue;
            }
            let cvss = if key == "cvss_v2" {
                json!({ "version": "2.0", "vectorString": vector, "baseScore": summary.base_score })
            } else {
                json!({ "version": summary.version, "vectorString": vector, "baseScore": summary.base_score, "baseSeverity": severity(summary.base_score) })
            };
            scores.push(json!({ key: cvss, "products": scored_ids }));
        }
        if !scores.is_empty() {
            vuln.insert("scores".into(), json!(scores));
        }
        let mut remediations: Vec<Value> = Vec::new();
        let mut by_fix: Vec<(String, Vec<String>)> = Vec::new();
        let mut fix_of: HashMap<String, usize> = HashMap::new();
        let mut fixed_once = std::collections::HashSet::new();
        for (id, version) in fixes {
            if !fixed_once.insert((id.clone(), version.clone())) {
                continue;
            }
            match fix_of.get(&version) {
                Some(&k) => by_fix[k].1.push(id),
                None => {
                    fix_of.insert(version.clone(), by_fix.len());
                    by_fix.push((version, vec![id]));
                }
            }
        }
        for (version, ids) in by_fix {
            remediations.push(json!({ "category": "vendor_fix", "details": format!("Fixed in version {version}."), "product_ids": ids }));
        }
        let remediation_ids = if affected_ids.is_empty() { scored_ids.clone() } else { affected_ids.clone() };
        let mut seen = Vec::new();
        for (ri, r) in v.records.iter().enumerate() {
            for (mi, m) in r.remediations.iter().enumerate() {
                let at = format!("/records/{ri}/remediations/{mi}");
                if seen.contains(&(&m.kind, &m.details, &m.url)) {
                    continue;
                }
                seen.push((&m.kind, &m.details, &m.url));
                if !matches!(m.kind.as_str(), "mitigation" | "no_fix_planned" | "none_available" | "vendor_fix" | "workaround") {
                    self.problem("not_in_csaf", &at, format!("remediation category {:?} is not CSAF's; left out", m.kind));
                    continue;
                }
                if m.details.trim().is_empty() || remediation_ids.is_empty() {
                    self.problem("not_in_csaf", &at, "a remediation needs details and a product to apply to; left out");
                    continue;
                }
                let mut entry = json!({ "category": m.kind, "details": m.details, "product_ids": remediation_ids });
                if let Some(url) = m.url.as_ref().filter(|u| is_uri(u)) {
                    entry["url"] = json!(url);
                }
                remediations.push(entry);
            }
        }
        if !remediations.is_empty() {
            vuln.insert("remediations".into(), json!(remediations));
        }
        let mut threats: Vec<Value> = self.impacts.iter().map(|(text, ids)| json!({ "category": "impact", "details": text, "product_ids": ids })).collect();
        if let Some(e) = &v.exploitation {
            let mut details =
                if e.in_kev { "Listed in CISA's Known Exploited Vulnerabilities catalog".to_string() } else { "Known to be exploited".to_string() };
            if let Some(d) = &e.date_added {
                details.push_str(&format!(" since {d}"));
            }
            details.push('.');
            if let Some(due) = &e.due_date {
                details.push_str(&format!(" Federal remediation due date: {due}."));
            }
            if let Some(r) = &e.ransomware {
                details.push_str(&format!(" Known ransomware campaign use: {r}."));
            }
            if let Some(a) = &e.required_action {
                details.push_str(&format!(" Required action: {a}"));
            }
            let mut threat = json!({ "category": "exploit_status", "details": details });
            if let Some(d) = e.date_added.as_deref().and_then(normalize_time) {
                threat["date"] = json!(d);
            }
            threats.push(threat);
        }
        if !threats.is_empty() {
            vuln.insert("threats".into(), json!(threats));
        }
        let mut references = Vec::new();
        for (k, r) in v.references.iter().enumerate() {
            if !is_uri(&r.url) {
                self.problem("not_in_csaf", format!("/references/{k}"), format!("{:?} is not a URI; left out", r.url));
                continue;
            }
            references
                .push(json!({ "category": "external", "summary": r.kind.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| r.url.clone()), "url": r.url }));
        }
        if !references.is_empty() {
            vuln.insert("references".into(), json!(references));
        }
        let mut acknowledgments: Vec<Value> = Vec::new();
        for r in &v.records {
            for c in &r.credits {
                if c.name.trim().is_empty() {
                    continue;
                }
                let mut entry = json!({ "names": [c.name] });
                if let Some(k) = c.kind.as_ref().filter(|k| !k.is_empty()) {
                    entry["summary"] = json!(k);
                }
                if !acknowledgments.contains(&entry) {
                    acknowledgments.push(entry);
                }
            }
        }
        if !acknowledgments.is_empty() {
            vuln.insert("acknowledgments".into(), json!(acknowledgments));
        }

        let vex = !self.lists.is_empty()
            && self.lists.iter().all(|(s, _)| matches!(s, Status::NotAffected | Status::Fixed | Status::UnderInvestigation))
            && self.lists.iter().any(|(s, _)| *s == Status::NotAffected)
            && v.affected.iter().filter(|a| a.status == Status::NotAffected).all(|a| a.justification.is_some());
        let mut publisher_json = json!({ "category": publisher.category, "name": publisher.name, "namespace": publisher.namespace });
        if !matches!(publisher.category.as_str(), "coordinator" | "discoverer" | "other" | "translator" | "user" | "vendor") {
            self.problem("invalid_publisher", "", format!("publisher category {:?} is not CSAF's", publisher.category));
        }
        if !is_uri(&publisher.namespace) {
            self.problem("invalid_publisher", "", format!("publisher namespace {:?} is not a URI", publisher.namespace));
        }
        if let Some(c) = publisher.contact_details.as_ref().filter(|c| !c.is_empty()) {
            publisher_json["contact_details"] = json!(c);
        }
        if let Some(a) = publisher.issuing_authority.as_ref().filter(|a| !a.is_empty()) {
            publisher_json["issuing_authority"] = json!(a);
        }
        let tracking_id = if v.id.trim().is_empty() {
            self.problem("missing_id", "/id", "the vulnerability has no id; the document is tracked as `unknown`");
            "unknown".to_string()
        } else {
            v.id.trim().to_string()
        };
        let mut notes = Vec::new();
        if v.withdrawn {
            notes.push(json!({ "category": "general", "title": "Withdrawn", "text": "Every source has withdrawn or rejected this vulnerability." }));
        }
        if !v.conflicts.is_empty() {
            let text: Vec<String> = v
                .conflicts
                .iter()
                .map(|c| format!("{}: {}", c.field, c.values.iter().map(|(s, x)| format!("{s} says {x}")).collect::<Vec<_>>().join("; ")))
                .collect();
            notes.push(json!({ "category": "other", "title": "Sources disagree", "text": text.join("\n") }));
        }
        let mut document = json!({
            "category": if vex { "csaf_vex" } else { "csaf_security_advisory" },
            "csaf_version": "2.0",
            "lang": "en",
            "publisher": publisher_json,
            "title": v.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| tracking_id.clone()),
            "tracking": {
                "id": tracking_id,
                "status": "final",
                "version": "1",
                "initial_release_date": initial,
                "current_release_date": current,
                "revision_history": [{ "date": initial, "number": "1", "summary": "Initial version." }],
                "generator": { "date": now, "engine": { "name": ENGINE, "version": env!("CARGO_PKG_VERSION") } },
            },
        });
        if !notes.is_empty() {
            document["notes"] = json!(notes);
        }
        let mut out = Map::new();
        out.insert("document".into(), document);
        if !self.leaves.is_empty() {
            out.insert("product_tree".into(), json!({ "branches": self.branches() }));
        }
        out.insert("vulnerabilities".into(), json!([Value::Object(vuln)]));
        (Value::Object(out), self.problems)
    }

    fn branches(&self) -> Vec<Value> {
        let leaf = |l: &Leaf| -> Value {
            let mut product = json!({ "name": l.full_name, "product_id": l.id });
            let mut helper = Map::new();
            if let Some(p) = &l.purl {
                helper.insert("purl".into(), json!(p));
            }
            if let Some(c) = &l.cpe {
                helper.insert("cpe".into(), json!(c));
            }
            if !helper.is_empty() {
                product["product_identification_helper"] = Value::Object(helper);
            }
            json!({ "category": l.category, "name": l.name, "product": product })
        };
        let mut top = Vec::new();
        for (vendor, names) in &self.vendors {
            let names: Vec<Value> = names
                .iter()
                .map(|(name, leaves)| json!({ "category": "product_name", "name": name, "branches": leaves.iter().map(|&i| leaf(&self.leaves[i])).collect::<Vec<_>>() }))
                .collect();
            match vendor {
                Some(v) => top.push(json!({ "category": "vendor", "name": v, "branches": names })),
                None => top.extend(names),
            }
        }
        top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(normalize_time("2021-09-08T16:24:00.000Z").as_deref(), Some("2021-09-08T16:24:00Z"));
        assert_eq!(normalize_time("2024-01-02").as_deref(), Some("2024-01-02T00:00:00Z"));
        assert_eq!(normalize_time("2024-01-02T03:04:05").as_deref(), Some("2024-01-02T03:04:05Z"));
        assert_eq!(normalize_time("2024-01-02T03:04:05.5+02:00").as_deref(), Some("2024-01-02T01:04:05.5Z"));
        assert_eq!(normalize_time("yesterday"), None);
    }

    #[test]
    fn cpes_the_schema_accepts() {
        assert!(is_csaf_cpe("cpe:2.3:a:acme:lib:2.0.0:*:*:*:*:*:*:*"));
        assert!(is_csaf_cpe("cpe:2.3:o:vendor:prod\\:uct:1.0:-:*:en-us:*:*:*:*"));
        assert!(is_csaf_cpe("cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-rc1"));
        assert!(is_csaf_cpe("cpe:/o:redhat:rhel_aus:7.6::server"));
        assert!(!is_csaf_cpe("cpe:2.3:a:acme:lib:2.0.0"));
        assert!(!is_csaf_cpe("cpe:2.3:a:acme:l ib:2.0.0:*:*:*:*:*:*:*"));
        assert!(!is_csaf_cpe("cpe:2.3:a:acme:lib:2.0.0:*:*:english:*:*:*:*"));
        assert!(!is_csaf_cpe("acme lib"));
    }

    #[test]
    fn vers_strings() {
        let r = |i: &str, f: Option<&str>, l: Option<&str>| VersionRange {
            scheme: "SEMVER".into(),
            introduced: i.into(),
            fixed: f.map(Into::into),
            last_affected: l.map(Into::into),
            limit: None,
        };
        assert_eq!(vers(Some("crates.io"), &r("0", Some("1.2.3"), None)), "vers:cargo/<1.2.3");
        assert_eq!(vers(None, &r("1.0", None, Some("1.5"))), "vers:semver/>=1.0|<=1.5");
        assert_eq!(vers(Some("Debian:12"), &r("0", None, None)), "vers:deb/*");
        assert_eq!(vers(None, &VersionRange { scheme: "custom".into(), introduced: "1 beta".into(), ..VersionRange::default() }), "vers:generic/>=1%20beta");
        // What the CSAF reader makes of it.
        let (ranges, _) = crate::csaf::parse_vers(&vers(None, &r("1|2", Some("3"), None))).unwrap();
        assert_eq!((ranges[0].introduced.as_str(), ranges[0].fixed.as_deref()), ("1|2", Some("3")));
    }

    #[test]
    fn cwe_names_lose_their_ids() {
        assert_eq!(bare_cwe_name("CWE 347: Improper Verification of Cryptographic Signature"), "Improper Verification of Cryptographic Signature");
        assert_eq!(bare_cwe_name("CWE-79 XSS"), "XSS");
        assert_eq!(bare_cwe_name("OS Command Injection"), "OS Command Injection");
        assert!(is_cve("CVE-2024-12345") && !is_cve("CVE-24-1") && !is_cve("GHSA-x"));
    }
}
