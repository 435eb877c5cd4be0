//! Tests of `/document/tracking`: the revision history, the document version and the status
//! (6.1.14, 6.1.16 to 6.1.22, 6.1.30).
//!
//! A version (`version_t`) is either an integer (`0`, `1`, `2`, ...) or a semantic version
//! (SemVer 2.0.0). To order a mixed history (which 6.1.30 reports), integer `n` is taken as
//! `n.0.0`. Versions compare by SemVer precedence (build metadata ignored). Dates are RFC 3339
//! instants, so offsets are taken into account. The tests of the order (6.1.14, 6.1.16, 6.1.21)
//! are skipped when an item's date or number does not parse (the schema reports it); the tests of
//! single items (6.1.18, 6.1.19, 6.1.22) look at every item that parses.

use std::cmp::Ordering;
use std::collections::HashMap;

use semver::Version as SemVer;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::json::{Sink, arr, at, quote, str_at};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Version {
    Integer(u64),
    Semantic(SemVer),
}

impl Version {
    fn parse(s: &str) -> Option<Version> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            if s.len() > 1 && s.starts_with('0') {
                return None;
            }
            return s.parse().ok().map(Version::Integer);
        }
        SemVer::parse(s).ok().map(Version::Semantic)
    }

    fn as_semver(&self) -> SemVer {
        match self {
            Version::Integer(n) => SemVer::new(*n, 0, 0),
            Version::Semantic(v) => v.clone(),
        }
    }

    fn major(&self) -> u64 {
        match self {
            Version::Integer(n) => *n,
            Version::Semantic(v) => v.major,
        }
    }

    fn is_prerelease(&self) -> bool {
        matches!(self, Version::Semantic(v) if !v.pre.is_empty())
    }

    fn is_semantic(&self) -> bool {
        matches!(self, Version::Semantic(_))
    }

    fn precedence(&self, other: &Version) -> Ordering {
        self.as_semver().cmp_precedence(&other.as_semver())
    }
}

fn tracking(doc: &Value) -> Option<&Value> {
    at(doc, &["document", "tracking"])
}

fn status(doc: &Value) -> Option<&str> {
    tracking(doc).and_then(|t| str_at(t, "status"))
}

/// One item of the revision history that parses.
struct Revision<'a> {
    index: usize,
    date: OffsetDateTime,
    date_text: &'a str,
    number: Version,
    number_text: &'a str,
}

/// The revision history sorted ascending by date, then by version (so that items of the same date
/// have one order, the one 6.1.14's official valid examples rely on). Empty when any item's date
/// or number does not parse: the order of the others would be a guess, and the schema reports the
/// broken item.
fn sorted_history(doc: &Value) -> Vec<Revision<'_>> {
    let Some(t) = tracking(doc) else { return Vec::new() };
    let items: Option<Vec<Revision<'_>>> = arr(t, "revision_history")
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let date_text = str_at(item, "date")?;
            let number_text = str_at(item, "number")?;
            Some(Revision { index, date: OffsetDateTime::parse(date_text, &Rfc3339).ok()?, date_text, number: Version::parse(number_text)?, number_text })
        })
        .collect();
    let mut items = items.unwrap_or_default();
    items.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.number.precedence(&b.number)).then(a.index.cmp(&b.index)));
    items
}

fn number_pointer(index: usize) -> String {
    format!("/document/tracking/revision_history/{index}/number")
}

/// 6.1.14 Sorted Revision History: with the items sorted ascending by `date`, their `number`s
/// ascend too. An item fails when an earlier-dated item has a higher number.
pub(crate) fn check_6_1_14(doc: &Value, sink: &mut Sink) {
    let items = sorted_history(doc);
    let mut highest: Option<&Revision<'_>> = None;
    for item in &items {
        match highest {
            Some(h) if item.number.precedence(&h.number) == Ordering::Less => sink.fail(
                "6.1.14",
                number_pointer(item.index),
                format!(
                    "revision {} of {} is dated after revision {} of {} but has a lower number",
                    quote(item.number_text),
                    item.date_text,
                    quote(h.number_text),
                    h.date_text
                ),
            ),
            Some(h) if item.number.precedence(&h.number) != Ordering::Greater => {}
            _ => highest = Some(item),
        }
    }
}

/// 6.1.16 Latest Document Version: `/document/tracking/version` equals the `number` of the last
/// item of the revision history sorted ascending by date, ignoring build metadata, and ignoring the
/// pre-release part too when the status is `draft`.
pub(crate) fn check_6_1_16(doc: &Value, sink: &mut Sink) {
    let Some(version) = tracking(doc).and_then(|t| str_at(t, "version")) else { return };
    let items = sorted_history(doc);
    let Some(latest) = items.last() else { return };
    let draft = status(doc) == Some("draft");
    let normalize = |v: &str| -> String {
        let v = v.split('+').next().unwrap_or(v);
        if draft { v.split('-').next().unwrap_or(v).to_string() } else { v.to_string() }
    };
    if normalize(version) != normalize(latest.number_text) {
        sink.fail(
            "6.1.16",
            "/document/tracking/version",
            format!("the document version is {} but the latest revision (by date) is {} of {}", quote(version), quote(latest.number_text), latest.date_text),
        );
    }
}

fn document_version(doc: &Value) -> Option<(&str, Version)> {
    let text = tracking(doc).and_then(|t| str_at(t, "version"))?;
    Some((text, Version::parse(text)?))
}

/// 6.1.17 Document Status Draft: a version `0`, `0.y.z` or with a pre-release part needs the status
/// `draft`.
pub(crate) fn check_6_1_17(doc: &Value, sink: &mut Sink) {
    let (Some(status), Some((text, version))) = (status(doc), document_version(doc)) else { return };
    if status != "draft" && (version.major() == 0 || version.is_prerelease()) {
        sink.fail("6.1.17", "/document/tracking/status", format!("the status is {} but the version {} is a draft version", quote(status), quote(text)));
    }
}

fn is_released(doc: &Value) -> Option<&str> {
    status(doc).filter(|s| *s == "final" || *s == "interim")
}

fn history_numbers(doc: &Value) -> impl Iterator<Item = (usize, &str, Option<Version>)> {
    tracking(doc)
        .map(|t| arr(t, "revision_history"))
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, item)| str_at(item, "number").map(|n| (i, n, Version::parse(n))))
}

/// 6.1.18 Released Revision History: with the status `final` or `interim`, no revision number is
/// `0` or `0.y.z`.
pub(crate) fn check_6_1_18(doc: &Value, sink: &mut Sink) {
    let Some(status) = is_released(doc) else { return };
    for (i, text, version) in history_numbers(doc) {
        if version.is_some_and(|v| v.major() == 0) {
            sink.fail("6.1.18", number_pointer(i), format!("the status is {} but the revision history has the draft version {}", quote(status), quote(text)));
        }
    }
}

/// 6.1.19 Revision History Entries for Pre-release Versions.
pub(crate) fn check_6_1_19(doc: &Value, sink: &mut Sink) {
    for (i, text, version) in history_numbers(doc) {
        if version.is_some_and(|v| v.is_prerelease()) {
            sink.fail("6.1.19", number_pointer(i), format!("the revision number {} has a pre-release part", quote(text)));
        }
    }
}

/// 6.1.20 Non-draft Document Version: with the status `final` or `interim`, the version has no
/// pre-release part.
pub(crate) fn check_6_1_20(doc: &Value, sink: &mut Sink) {
    let (Some(status), Some((text, version))) = (is_released(doc), document_version(doc)) else { return };
    if version.is_prerelease() {
        sink.fail("6.1.20", "/document/tracking/version", format!("the status is {} but the version {} has a pre-release part", quote(status), quote(text)));
    }
}

/// 6.1.21 Missing Item in Revision History: sorted ascending by date, the (major) version numbers
/// start at 0 or 1 and skip none.
pub(crate) fn check_6_1_21(doc: &Value, sink: &mut Sink) {
    let items = sorted_history(doc);
    let Some(first) = items.first() else { return };
    if first.number.major() > 1 {
        sink.fail(
            "6.1.21",
            number_pointer(first.index),
            format!("the first revision (by date) is {}, not 0 or 1 (or a major version 0 or 1)", quote(first.number_text)),
        );
    }
    let mut highest = first.number.major();
    for item in &items[1..] {
        let major = item.number.major();
        if major > highest.saturating_add(1) {
            let missing = if major == highest + 2 { format!("{}", highest + 1) } else { format!("{} to {}", highest + 1, major - 1) };
            sink.fail(
                "6.1.21",
                number_pointer(item.index),
                format!("the revision history goes from {highest} to {} without {missing}", quote(item.number_text)),
            );
        }
        highest = highest.max(major);
    }
}

/// 6.1.22 Multiple Definition in Revision History: no `number` twice.
pub(crate) fn check_6_1_22(doc: &Value, sink: &mut Sink) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, text, _) in history_numbers(doc) {
        match first.get(text) {
            Some(j) => sink.fail("6.1.22", number_pointer(i), format!("the revision number {} is already used by revision_history/{j}", quote(text))),
            None => {
                first.insert(text, i);
            }
        }
    }
}

/// 6.1.30 Mixed Integer and Semantic Versioning: the revision numbers and the document version all
/// use integer versioning or all semantic versioning. The first revision item sets the scheme;
/// every value using the other one fails.
pub(crate) fn check_6_1_30(doc: &Value, sink: &mut Sink) {
    let mut values: Vec<(String, &str, Version)> = history_numbers(doc).filter_map(|(i, text, v)| v.map(|v| (number_pointer(i), text, v))).collect();
    if let Some((text, v)) = document_version(doc) {
        values.push(("/document/tracking/version".to_string(), text, v));
    }
    let Some((first_pointer, first_text, first)) = values.first() else { return };
    let scheme = |v: &Version| if v.is_semantic() { "semantic" } else { "integer" };
    for (pointer, text, v) in &values[1..] {
        if v.is_semantic() != first.is_semantic() {
            sink.fail(
                "6.1.30",
                pointer.as_str(),
                format!("{} uses {} versioning but {} at {first_pointer} uses {} versioning", quote(text), scheme(v), quote(first_text), scheme(first)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(Version::parse("0"), Some(Version::Integer(0)));
        assert_eq!(Version::parse("12"), Some(Version::Integer(12)));
        assert_eq!(Version::parse("01"), None);
        assert!(Version::parse("1.0.0-rc.1+b").unwrap().is_prerelease());
        assert_eq!(Version::parse("1.0"), None);
        assert_eq!(Version::parse("2").unwrap().precedence(&Version::parse("1.9.9").unwrap()), Ordering::Greater);
        assert_eq!(Version::parse("1.0.0+a").unwrap().precedence(&Version::parse("1.0.0+b").unwrap()), Ordering::Equal);
    }
}
