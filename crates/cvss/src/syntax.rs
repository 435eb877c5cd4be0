//! The `METRIC:VALUE/METRIC:VALUE` body every CVSS version shares, read against one version's
//! metric table, with a diagnostic for every problem.

use clearinghouse_model::Diagnostic;

use crate::{Version, codes};

/// One metric of a version: its abbreviation, its name, and its values (without the "not defined"
/// value, which [`Table::not_defined`] names for all optional metrics of the version).
pub(crate) struct Metric {
    pub key: &'static str,
    pub name: &'static str,
    pub values: &'static [&'static str],
    pub mandatory: bool,
}

/// A version's metrics in the specification's order, which is also the normalized order.
pub(crate) struct Table {
    pub version: Version,
    pub metrics: &'static [Metric],
    /// `ND` for v2, `X` for v3 and v4.
    pub not_defined: &'static str,
    /// Whether the specification requires the metrics in table order (v4.0 does; v2 and v3 accept
    /// any order).
    pub ordered: bool,
}

/// The most metrics of any version (v4.0: 11 base, 1 threat, 14 environmental, 6 supplemental).
pub(crate) const MAX_METRICS: usize = 32;

/// A metric that is absent or "not defined".
pub(crate) const ABSENT: u8 = u8::MAX;

/// The parsed values: for each metric of the table (by position), the index of its value in
/// [`Metric::values`], or [`ABSENT`].
pub(crate) type Values = [u8; MAX_METRICS];

impl Table {
    pub(crate) fn index_of(&self, key: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.key == key)
    }

    fn all_keys(&self) -> String {
        self.metrics.iter().map(|m| m.key).collect::<Vec<_>>().join("/")
    }

    /// Reads `body` (the vector without its prefix). Every problem becomes a diagnostic in `out`;
    /// the values of the fields that were fine are returned either way.
    pub(crate) fn read(&self, body: &str, out: &mut Vec<Diagnostic>) -> Values {
        let mut values = [ABSENT; MAX_METRICS];
        let mut seen = [false; MAX_METRICS];
        // The table position of the last metric read, for the order check.
        let mut last: Option<usize> = None;
        let version = self.version;
        let count = if body.is_empty() { 0 } else { body.bytes().filter(|&b| b == b'/').count() + 1 };
        for (i, field) in body.split('/').take(count).enumerate() {
            let n = i + 1;
            if field.is_empty() {
                let place = if n == 1 && count > 1 {
                    "a `/` too many at the start".to_string()
                } else if n == count {
                    "a `/` too many at the end".to_string()
                } else {
                    format!("two `/` in a row before field {}", n + 1)
                };
                out.push(Diagnostic::new(codes::EMPTY_FIELD, "", format!("field {n} is empty ({place})")));
                continue;
            }
            let Some((key, value)) = field.split_once(':') else {
                out.push(Diagnostic::new(codes::MALFORMED_FIELD, "", format!("field {n} {field:?} is not of the form METRIC:VALUE")));
                continue;
            };
            if value.contains(':') {
                out.push(Diagnostic::new(codes::MALFORMED_FIELD, "", format!("field {n} {field:?} has more than one `:`")));
                continue;
            }
            let Some(index) = self.index_of(key) else {
                out.push(Diagnostic::new(codes::UNKNOWN_METRIC, "", format!("field {n}: {key:?} is not a CVSS {version} metric{}", self.hint(key))));
                continue;
            };
            let metric = &self.metrics[index];
            if seen[index] {
                out.push(Diagnostic::new(codes::DUPLICATE_METRIC, "", format!("field {n}: {} ({}) is given more than once", metric.key, metric.name)));
                continue;
            }
            seen[index] = true;
            if self.ordered {
                if let Some(prev) = last.filter(|&p| p > index) {
                    out.push(Diagnostic::new(
                        codes::OUT_OF_ORDER,
                        "",
                        format!(
                            "field {n}: {} must come before {} (CVSS {version} requires the metrics in the specification's order: {})",
                            metric.key,
                            self.metrics[prev].key,
                            self.all_keys()
                        ),
                    ));
                }
                last = Some(last.map_or(index, |p| p.max(index)));
            }
            if let Some(v) = metric.values.iter().position(|&v| v == value) {
                values[index] = v as u8;
            } else if !metric.mandatory && value == self.not_defined {
                // "Not defined": the same as leaving the metric out.
            } else {
                let mut allowed: Vec<&str> = metric.values.to_vec();
                if !metric.mandatory {
                    allowed.push(self.not_defined);
                }
                out.push(Diagnostic::new(
                    codes::INVALID_VALUE,
                    "",
                    format!("field {n}: {value:?} is not a value of {} ({}); expected one of {}", metric.key, metric.name, allowed.join(", ")),
                ));
            }
        }
        for (index, metric) in self.metrics.iter().enumerate() {
            if metric.mandatory && !seen[index] {
                out.push(Diagnostic::new(codes::MISSING_METRIC, "", format!("the mandatory base metric {} ({}) is missing", metric.key, metric.name)));
            }
        }
        values
    }

    /// A hint for an unknown metric abbreviation: the metric it is in another case.
    fn hint(&self, key: &str) -> String {
        match self.metrics.iter().find(|m| m.key.eq_ignore_ascii_case(key)) {
            Some(m) => format!(" (metric abbreviations are case-sensitive: did you mean {}?)", m.key),
            None => String::new(),
        }
    }

    /// The normalized body: defined metrics in table order, `METRIC:VALUE` joined by `/`.
    pub(crate) fn write(&self, values: &Values, out: &mut String) {
        let mut first = true;
        for (index, metric) in self.metrics.iter().enumerate() {
            let v = values[index];
            if v == ABSENT {
                continue;
            }
            if !first {
                out.push('/');
            }
            first = false;
            out.push_str(metric.key);
            out.push(':');
            out.push_str(metric.values[v as usize]);
        }
    }

    /// The value of a metric by abbreviation, `None` when absent or not defined.
    pub(crate) fn get(&self, values: &Values, key: &str) -> Option<&'static str> {
        let index = self.index_of(key)?;
        let v = values[index];
        if v == ABSENT { None } else { Some(self.metrics[index].values[v as usize]) }
    }
}
