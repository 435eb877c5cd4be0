//! The OSV schema's `IncludedInRanges` for one range, transcribed literally, shared by the tests
//! that check the crate's evaluation against it.

use clearinghouse_osv::EventKind;
use clearinghouse_versions::Version;

/// `events` as written in the range; `parse` reads an event's version (`None`: unreadable). Same
/// reading of "0", "*" and of equal versions as the crate documents: introduced, last_affected,
/// fixed, limit.
pub fn included_in_range(events: &[(EventKind, &str)], v: &Version, parse: impl Fn(&str) -> Option<Version>) -> bool {
    let limits: Vec<&str> = events.iter().filter(|(k, _)| *k == EventKind::Limit).map(|(_, s)| *s).collect();
    if !(limits.is_empty() || limits.iter().any(|l| l.contains('*') || parse(l).is_some_and(|l| *v < l))) {
        return false;
    }
    let mut sorted: Vec<(Option<Version>, EventKind)> = events
        .iter()
        .filter(|(k, _)| *k != EventKind::Limit)
        .map(|(k, s)| (if *k == EventKind::Introduced && *s == "0" { None } else { parse(s) }, *k))
        .collect();
    sorted.sort();
    let mut vulnerable = false;
    for (at, kind) in &sorted {
        match kind {
            EventKind::Introduced if at.as_ref().is_none_or(|a| v >= a) => vulnerable = true,
            EventKind::Fixed if at.as_ref().is_some_and(|a| v >= a) => vulnerable = false,
            EventKind::LastAffected if at.as_ref().is_some_and(|a| v > a) => vulnerable = false,
            _ => {}
        }
    }
    vulnerable
}
