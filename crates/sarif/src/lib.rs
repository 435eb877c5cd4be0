//! Clearinghouse SARIF intake: SARIF 2.1.0 logs, as static analysers and AI vulnerability finders write
//! them, turned into report drafts for bulk intake.
//!
//! [`parse`] reads a log leniently and returns an [`Intake`]: one [`SarifFinding`] per result that is a
//! finding (its [`ReportSubmission`] ready for `POST /v1/reports`, plus the rule id, fingerprint,
//! location and level a bulk intake uses to deduplicate and sort), and a [`Diagnostic`] for every
//! problem, each with a stable code (see [`codes`]) and the JSON pointer of the place in the log (for
//! example `/runs/0/results/3/message`). It never panics and never stops at the first problem: a result
//! that cannot become a report is skipped with a diagnostic and the rest still come through. Only a log
//! that is not JSON, is not SARIF 2.1.0 (`version` must be `"2.1.0"`), has no `runs` array or breaks a
//! size limit is refused as a whole (a diagnostic, zero reports).
//!
//! Architecture invariant: no I/O. The log is outside data, bounded by [`IntakeOptions`]; the drafts
//! are not checked here beyond what the mapping guarantees (one-line titles of at most
//! [`MAX_TITLE_CHARS`] characters, descriptions within [`IntakeOptions::max_description_bytes`], finder
//! fields within 256 bytes, well-formed CWE ids): the server's report validation
//! (`clearinghouse_model::report::prepare`) checks them as it checks any submission, the purl included.
//!
//! ```
//! use clearinghouse_sarif::{IntakeOptions, parse};
//!
//! let log = br#"{"version": "2.1.0", "runs": [{
//!     "tool": {"driver": {"name": "CodeQL", "semanticVersion": "2.20.1", "rules": [{
//!         "id": "js/xss", "shortDescription": {"text": "Client-side cross-site scripting"},
//!         "properties": {"tags": ["security", "external/cwe/cwe-079"]}}]}},
//!     "results": [{"ruleId": "js/xss", "ruleIndex": 0, "level": "error",
//!         "message": {"text": "Cross-site scripting vulnerability due to a user-provided value."},
//!         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app.js"}, "region": {"startLine": 12}}}]}]
//! }]}"#;
//! let intake = parse(log, &IntakeOptions::default());
//! let f = &intake.reports[0];
//! assert_eq!(f.report.title, "Client-side cross-site scripting");
//! assert_eq!(f.report.weaknesses, ["CWE-79"]);
//! assert_eq!(f.report.finder.name, "CodeQL");
//! assert_eq!(f.location.as_deref(), Some("src/app.js:12"));
//! assert!(intake.diagnostics.is_empty());
//! ```
//!
//! # What maps to what
//! | report draft | from the SARIF log |
//! |---|---|
//! | `title` | the first line of the rule's `shortDescription` (the rule found by `result.rule.index`/`ruleIndex` in the tool component `result.rule.toolComponent` names, by default `tool.driver`, or else by `rule.id`/`ruleId` in `tool.driver.rules` and `tool.extensions[].rules`, exactly or by hierarchical prefix: `CWE-78/api-handler` finds rule `CWE-78`); otherwise the first sentence of the message. One line, at most [`MAX_TITLE_CHARS`] characters. |
//! | `description` | Markdown: the message (`message.markdown` if given, else `message.text`, or the rule's `messageStrings[message.id]`, falling back to the tool component's `globalMessageStrings`, with `{n}` replaced by `message.arguments[n]` and `{{`/`}}` as braces, SARIF §3.11.5; embedded links to related locations become the location), then a list with the location (`uri:line:column` and the logical location's fully qualified name), rule id and name and level, the primary location's snippet, up to 10 other locations, the first thread flow of the first code flow (up to 20 steps), and the rule's `fullDescription`, `help` and `helpUri`. |
//! | `weaknesses` | CWE ids, as `CWE-<n>` without leading zeros, from the rule's and the result's `properties.tags` (`CWE-79`, `external/cwe/cwe-079`, `CWE-89: ...`; see [`normalize_cwe`]), from the rule's `relationships` and the result's `taxa` that point into a taxonomy named `CWE` (by id, or by index or guid into `run.taxonomies[].taxa`), and from a rule id whose first component is a CWE id (`CWE-862/...`, the AI-finder convention). |
//! | `finder` | `run.tool.driver`: `name` (`unknown SARIF producer` with a diagnostic when missing), `version` or else `semanticVersion`, `organization`; `run_id` from `run.automationDetails.id` or else its `guid`; `human_reviewed` false. `kind` is [`IntakeOptions::finder_kind`] when set, else the driver property [`FINDER_KIND_PROPERTY`], else `tool`. |
//! | `affected` | [`IntakeOptions::purl`] for every result (SARIF has no package identity), or none. |
//! | `tlp` | [`IntakeOptions::tlp`] (none by default: the server's default applies). |
//! | [`SarifFinding::location`] | `uri:startLine` of the first location with a physical location; the URI is resolved against `run.originalUriBaseIds` (bases of bases followed) when it has a `uriBaseId`, and taken from `run.artifacts[index]` when the location gives only an index. |
//! | [`SarifFinding::fingerprint`] | the first value (by key order) of `fingerprints`, or else of `partialFingerprints`. |
//! | [`SarifFinding::level`] | `result.level`, or else the rule's `defaultConfiguration.level`, as written; `None` when neither says (SARIF then implies `warning`). |
//!
//! Results that are not findings are skipped, each with a [`codes::Severity::Note`] diagnostic and a count
//! in [`IntakeStats`]: `kind` `pass`, `notApplicable` or `informational`; a suppression that is accepted
//! (`status` `accepted` or absent, with no suppression `underReview` or `rejected`); `baselineState`
//! `absent`.
//!
//! # AI model provenance
//! SARIF has no field for "found by an AI model". A producer says so with a property on its driver:
//!
//! ```json
//! "tool": {"driver": {"name": "finder-9", "version": "2026-05", "properties": {"clearinghouse/finder-kind": "ai_model"}}}
//! ```
//!
//! The value is a report finder kind: `ai_model`, `tool` or `human`; anything else is a
//! [`codes::INVALID_FINDER_KIND`] warning and `tool`. [`IntakeOptions::finder_kind`], when set, wins
//! over the property (the submitter vouches for every run of the log).
//!
//! # Limits
//! - [`IntakeOptions::max_bytes`] (default [`DEFAULT_MAX_BYTES`], 64 MiB): a larger log is refused.
//! - [`IntakeOptions::max_depth`] (default and ceiling [`DEFAULT_MAX_DEPTH`], 128): a log with arrays and objects
//!   nested deeper is refused, checked on the bytes before anything is parsed (so no parser recursion depends on
//!   the input beyond it; serde_json's own recursion limit of 128 stands behind it).
//! - [`IntakeOptions::max_results`] (default [`DEFAULT_MAX_RESULTS`], 100,000, over all runs): the results past
//!   it are counted, not read or kept. Runs past the [`MAX_RUNS`]th are not read either.
//! - [`IntakeOptions::max_message_bytes`] (default [`DEFAULT_MAX_MESSAGE_BYTES`], 16 KiB): a message (after
//!   argument substitution, which stops growing there) and each rule text is cut, with a diagnostic.
//! - [`IntakeOptions::max_description_bytes`] (default the report document's 256 KiB), names 256 bytes.
//! - [`IntakeOptions::max_diagnostics`] (default [`DEFAULT_MAX_DIAGNOSTICS`]): the rest are counted in one
//!   [`codes::TOO_MANY_DIAGNOSTICS`].
//!
//! Memory stays near the size of the log plus the drafts: each run's `results` array is kept unparsed and
//! each result is parsed on its own when it is read.

pub mod codes;
mod cwe;
mod describe;
mod run;
mod scan;
mod text;

pub use cwe::normalize_cwe;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::Tlp;
use clearinghouse_model::diagnostic::escape_pointer_token;
use clearinghouse_model::report::{AffectedPackage, Finder, FinderKind, ReportSubmission};
use describe::{Facts, Message};
use run::{RuleKey, Run, RunShape, items, string};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// Largest log read unless [`IntakeOptions::max_bytes`] says otherwise.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Results read (over all runs) unless [`IntakeOptions::max_results`] says otherwise.
pub const DEFAULT_MAX_RESULTS: usize = 100_000;
/// Deepest nesting of arrays and objects unless [`IntakeOptions::max_depth`] says otherwise, and the most
/// it can say: serde_json parses a value at most 127 deep, and a result or run parsed on its own is always
/// shallower than the log it is in.
pub const DEFAULT_MAX_DEPTH: usize = 128;
/// Longest message unless [`IntakeOptions::max_message_bytes`] says otherwise.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Diagnostics kept unless [`IntakeOptions::max_diagnostics`] says otherwise.
pub const DEFAULT_MAX_DIAGNOSTICS: usize = 10_000;
/// Runs read from one log at most.
pub const MAX_RUNS: usize = 10_000;
/// Longest title, in characters (the report document allows 300).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest finder name, version, organization and run id, in bytes (as the report document allows).
pub const MAX_FINDER_FIELD_BYTES: usize = 256;
/// The `tool.driver.properties` member that names the finder kind (`ai_model`, `tool` or `human`).
pub const FINDER_KIND_PROPERTY: &str = "clearinghouse/finder-kind";
/// The finder name used when the driver has none.
pub const UNKNOWN_PRODUCER: &str = "unknown SARIF producer";

/// How to read a log: limits, and what applies to every report the log gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeOptions {
    /// Largest log read, in bytes.
    pub max_bytes: usize,
    /// Results read over all runs; those after are counted in [`IntakeStats::not_read`].
    pub max_results: usize,
    /// Deepest nesting of arrays and objects; values above [`DEFAULT_MAX_DEPTH`] count as it.
    pub max_depth: usize,
    /// Longest message, and longest rule description or help, in bytes.
    pub max_message_bytes: usize,
    /// Longest report description, in bytes.
    pub max_description_bytes: usize,
    /// Diagnostics kept.
    pub max_diagnostics: usize,
    /// The finder kind of every report, whatever the log says.
    pub finder_kind: Option<FinderKind>,
    /// The package URL every report affects (SARIF logs name files, not packages). Not checked here.
    pub purl: Option<String>,
    /// The TLP label of every report.
    pub tlp: Option<Tlp>,
}

impl Default for IntakeOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_results: DEFAULT_MAX_RESULTS,
            max_depth: DEFAULT_MAX_DEPTH,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_description_bytes: clearinghouse_model::report::ReportLimits::default().max_description_bytes,
            max_diagnostics: DEFAULT_MAX_DIAGNOSTICS,
            finder_kind: None,
            purl: None,
            tlp: None,
        }
    }
}

/// One result of the log as a report draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SarifFinding {
    pub report: ReportSubmission,
    /// `result.ruleId`, or `result.rule.id`, or the id of the rule found by index.
    pub rule_id: Option<String>,
    /// The first value of `fingerprints` (keys sorted), or else of `partialFingerprints`.
    pub fingerprint: Option<String>,
    /// `uri:startLine` (or the URI alone) of the first physical location.
    pub location: Option<String>,
    /// `error`, `warning`, `note` or `none`, as the result or its rule says.
    pub level: Option<String>,
    /// JSON pointer of the result in the log, for example `/runs/0/results/3`.
    pub pointer: String,
}

/// Counts of what happened to the results of a log. `results` is the sum of `reports` and the four
/// `skipped_*` counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeStats {
    /// Runs read.
    pub runs: usize,
    /// Results read.
    pub results: usize,
    /// Results that became reports.
    pub reports: usize,
    /// Results of kind `pass`, `notApplicable` or `informational`.
    pub skipped_kind: usize,
    /// Results with an accepted suppression.
    pub skipped_suppressed: usize,
    /// Results with `baselineState` `absent`.
    pub skipped_absent: usize,
    /// Results that could not become a report (not an object, no message).
    pub skipped_unusable: usize,
    /// Results past [`IntakeOptions::max_results`], not read.
    pub not_read: usize,
}

/// What [`parse`] read from a log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    pub reports: Vec<SarifFinding>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: IntakeStats,
}

impl Intake {
    /// Whether the log as a whole was refused (a [`codes::Severity::Refusal`] diagnostic).
    pub fn refused(&self) -> bool {
        self.diagnostics.iter().any(|d| codes::severity(&d.code) == codes::Severity::Refusal)
    }
}

/// Reads a SARIF 2.1.0 log into report drafts. Never panics; every problem is a diagnostic.
pub fn parse(bytes: &[u8], opts: &IntakeOptions) -> Intake {
    let mut reader =
        Reader { opts, sink: Sink { kept: Vec::new(), max: opts.max_diagnostics, dropped: 0 }, intake: Intake::default(), budget: opts.max_results };
    reader.read_log(bytes);
    let Reader { sink, mut intake, .. } = reader;
    intake.diagnostics = sink.finish();
    intake
}

struct Sink {
    kept: Vec<Diagnostic>,
    max: usize,
    dropped: usize,
}

impl Sink {
    fn push(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        if self.kept.len() < self.max {
            self.kept.push(Diagnostic::new(code, pointer, message));
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let msg = format!("{} more diagnostics past the limit of {} were not kept", self.dropped, self.max);
            self.kept.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, "", msg));
        }
        self.kept
    }
}

/// The top-level members this crate reads; `runs` stays unparsed until each run is read.
#[derive(Deserialize)]
struct LogShape<'a> {
    #[serde(default)]
    version: Value,
    #[serde(default, borrow)]
    runs: Option<&'a RawValue>,
}

/// What the rule of a result contributes, worked out once per rule and run.
struct RuleInfo {
    id: Option<String>,
    name: Option<String>,
    title: Option<String>,
    section: String,
    cwes: Vec<String>,
    level: Option<String>,
}

struct Reader<'o> {
    opts: &'o IntakeOptions,
    sink: Sink,
    intake: Intake,
    /// Results that may still be read.
    budget: usize,
}

impl Reader<'_> {
    fn read_log(&mut self, bytes: &[u8]) {
        if bytes.len() > self.opts.max_bytes {
            self.sink.push(codes::TOO_LARGE, "", format!("the log is {} bytes; at most {} are read", bytes.len(), self.opts.max_bytes));
            return;
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                self.sink.push(codes::INVALID_JSON, "", format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()));
                return;
            }
        };
        let max_depth = self.opts.max_depth.min(DEFAULT_MAX_DEPTH);
        if let Some(at) = scan::too_deep_at(bytes, max_depth) {
            self.sink.push(codes::TOO_DEEP, "", format!("arrays and objects nest deeper than {max_depth} levels (at byte {at})"));
            return;
        }
        if scan::first_byte(text) != Some(b'{') {
            match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => self.sink.push(codes::INVALID_JSON, "", "a SARIF log is a JSON object"),
                Err(e) => self.json_error("", "not JSON", &e),
            }
            return;
        }
        let log: LogShape = match serde_json::from_str(text) {
            Ok(l) => l,
            Err(e) => {
                self.json_error("", "not a SARIF log", &e);
                return;
            }
        };
        let version_ok = log.version.as_str() == Some("2.1.0");
        if !version_ok {
            let msg = match &log.version {
                Value::Null => "the log has no version; only SARIF 2.1.0 is read".to_string(),
                v => format!("SARIF version {v} is not read; only 2.1.0 is"),
            };
            self.sink.push(codes::UNSUPPORTED_VERSION, "/version", msg);
        }
        let runs = match log.runs {
            Some(raw) if scan::first_byte(raw.get()) == Some(b'[') => match scan::elements(raw.get(), MAX_RUNS) {
                Ok(runs) => Some(runs),
                Err(e) => {
                    self.json_error("/runs", "runs could not be read", &e);
                    None
                }
            },
            Some(_) => {
                self.sink.push(codes::INVALID_RUNS, "/runs", "runs is not an array");
                None
            }
            None => {
                self.sink.push(codes::INVALID_RUNS, "/runs", "the log has no runs");
                None
            }
        };
        let Some(runs) = runs.filter(|_| version_ok) else { return };
        if runs.total == 0 {
            self.sink.push(codes::NO_RESULTS, "/runs", "the log has no runs");
        }
        for (r, raw) in runs.kept.iter().enumerate() {
            self.read_run(r, raw);
        }
        if runs.total > runs.kept.len() {
            let msg = format!("{} runs past the limit of {MAX_RUNS} were not read", runs.total - runs.kept.len());
            self.sink.push(codes::TOO_MANY_RUNS, format!("/runs/{MAX_RUNS}"), msg);
        }
    }

    fn json_error(&mut self, pointer: &str, what: &str, e: &serde_json::Error) {
        if e.to_string().contains("recursion limit exceeded") {
            self.sink.push(codes::TOO_DEEP, pointer, format!("arrays and objects nest too deep: {e}"));
        } else {
            self.sink.push(codes::INVALID_JSON, pointer, format!("{what}: {e}"));
        }
    }

    fn read_run(&mut self, r: usize, raw: &RawValue) {
        let pointer = format!("/runs/{r}");
        if scan::first_byte(raw.get()) != Some(b'{') {
            self.sink.push(codes::INVALID_RUN, pointer, "a run is a JSON object");
            return;
        }
        let shape: RunShape = match serde_json::from_str(raw.get()) {
            Ok(s) => s,
            Err(e) => {
                self.sink.push(codes::INVALID_RUN, pointer, format!("the run could not be read: {e}"));
                return;
            }
        };
        self.intake.stats.runs += 1;
        let results_pointer = format!("{pointer}/results");
        let elements = match shape.results {
            None => {
                self.sink.push(codes::NO_RESULTS, results_pointer, "the run has no results array (the tool did not compute results)");
                return;
            }
            Some(raw) if scan::first_byte(raw.get()) == Some(b'[') => match scan::elements(raw.get(), self.budget) {
                Ok(e) => e,
                Err(e) => {
                    self.sink.push(codes::INVALID_RESULTS, results_pointer, format!("results could not be read: {e}"));
                    return;
                }
            },
            Some(_) => {
                self.sink.push(codes::INVALID_RESULTS, results_pointer, "results is not an array");
                return;
            }
        };
        if elements.total == 0 {
            self.sink.push(codes::NO_RESULTS, results_pointer, "the run reported no results");
            return;
        }
        self.budget -= elements.kept.len();
        let run = Run::new(r, &shape);
        let finder = self.finder(&run, &shape);
        let mut rules: HashMap<RuleKey, RuleInfo> = HashMap::new();
        for (i, raw) in elements.kept.iter().enumerate() {
            self.intake.stats.results += 1;
            match serde_json::from_str::<Value>(raw.get()) {
                Ok(result) => self.read_result(&run, &finder, &mut rules, i, &result),
                Err(e) => {
                    self.sink.push(codes::INVALID_RESULT, format!("{results_pointer}/{i}"), format!("the result could not be read: {e}"));
                    self.intake.stats.skipped_unusable += 1;
                }
            }
        }
        let not_read = elements.total - elements.kept.len();
        if not_read > 0 {
            self.intake.stats.not_read += not_read;
            let msg = format!("{not_read} results past the limit of {} results per log were not read", self.opts.max_results);
            self.sink.push(codes::TOO_MANY_RESULTS, format!("{results_pointer}/{}", elements.kept.len()), msg);
        }
    }

    /// A finder field, cut to [`MAX_FINDER_FIELD_BYTES`] with a diagnostic.
    fn finder_field(&mut self, value: &str, pointer: String) -> String {
        let mut s = value.to_string();
        if text::truncate(&mut s, MAX_FINDER_FIELD_BYTES) {
            self.sink.push(codes::TRUNCATED, pointer, format!("cut to {MAX_FINDER_FIELD_BYTES} bytes"));
        }
        s
    }

    fn finder(&mut self, run: &Run, shape: &RunShape) -> Finder {
        let d = run.driver;
        let dp = run.component_pointer(0);
        let name = match string(&d["name"]) {
            Some(n) => self.finder_field(n, format!("{dp}/name")),
            None => {
                self.sink.push(codes::MISSING_TOOL_NAME, format!("{dp}/name"), format!("the tool has no name; the finder is called {UNKNOWN_PRODUCER:?}"));
                UNKNOWN_PRODUCER.to_string()
            }
        };
        let version = match (string(&d["version"]), string(&d["semanticVersion"])) {
            (Some(v), _) => Some(self.finder_field(v, format!("{dp}/version"))),
            (None, Some(v)) => Some(self.finder_field(v, format!("{dp}/semanticVersion"))),
            (None, None) => None,
        };
        let organization = string(&d["organization"]).map(|o| self.finder_field(o, format!("{dp}/organization")));
        let ad = &shape.automation_details;
        let run_id = match (string(&ad["id"]), string(&ad["guid"])) {
            (Some(id), _) => Some(self.finder_field(id, format!("{}/automationDetails/id", run.pointer))),
            (None, Some(g)) => Some(self.finder_field(g, format!("{}/automationDetails/guid", run.pointer))),
            (None, None) => None,
        };
        let kind = match self.opts.finder_kind {
            Some(k) => k,
            None => match &d["properties"][FINDER_KIND_PROPERTY] {
                Value::Null => FinderKind::Tool,
                v => match v.as_str().map(|s| s.trim().parse::<FinderKind>()) {
                    Some(Ok(k)) => k,
                    _ => {
                        let pointer = format!("{dp}/properties/{}", escape_pointer_token(FINDER_KIND_PROPERTY));
                        self.sink.push(codes::INVALID_FINDER_KIND, pointer, format!("{v} is not a finder kind ({}); the kind is tool", FinderKind::names()));
                        FinderKind::Tool
                    }
                },
            },
        };
        Finder { kind, name, version, organization, run_id, human_reviewed: false }
    }

    /// A rule text (`fullDescription`, `help`) as Markdown if it has it, else as text; cut to the message limit.
    fn rule_text(&mut self, v: &Value, pointer: String) -> Option<String> {
        let mut s = string(&v["markdown"]).or_else(|| string(&v["text"]))?.to_string();
        if text::truncate(&mut s, self.opts.max_message_bytes) {
            self.sink.push(codes::TRUNCATED, pointer, format!("cut to {} bytes", self.opts.max_message_bytes));
        }
        Some(s)
    }

    fn rule_info(&mut self, run: &Run, key: RuleKey) -> RuleInfo {
        let rule = run.rule(key);
        let pointer = format!("{}/rules/{}", run.component_pointer(key.0), key.1);
        let title = string(&rule["shortDescription"]["text"])
            .or_else(|| string(&rule["shortDescription"]["markdown"]))
            .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
            .map(|t| text::one_line(t.trim_end_matches('.'), MAX_TITLE_CHARS))
            .filter(|t| !t.is_empty());
        let mut section = String::new();
        let full = self.rule_text(&rule["fullDescription"], format!("{pointer}/fullDescription"));
        let help = self.rule_text(&rule["help"], format!("{pointer}/help"));
        let mut parts: Vec<String> = full.into_iter().collect();
        if let Some(h) = help.filter(|h| !parts.contains(h)) {
            parts.push(h);
        }
        if let Some(uri) = string(&rule["helpUri"]) {
            let mut uri = uri.to_string();
            text::truncate(&mut uri, 2048);
            parts.push(format!("More information: <{}>", uri.replace(['<', '>', ' ', '\n'], "")));
        }
        if !parts.is_empty() {
            section.push_str("**About the rule**\n\n");
            section.push_str(&parts.join("\n\n"));
        }
        let mut cwes = Vec::new();
        for tag in items(&rule["properties"]["tags"]) {
            add_unique(&mut cwes, tag.as_str().and_then(normalize_cwe));
        }
        for relationship in items(&rule["relationships"]) {
            add_unique(&mut cwes, run.cwe_of_taxon_reference(&relationship["target"]));
        }
        add_unique(&mut cwes, string(&rule["id"]).and_then(cwe::from_rule_id));
        RuleInfo {
            id: string(&rule["id"]).map(str::to_string),
            name: string(&rule["name"]).map(str::to_string),
            title,
            section,
            cwes,
            level: string(&rule["defaultConfiguration"]["level"]).map(str::to_string),
        }
    }

    /// The result's message, resolved (SARIF §3.11): its own `text`/`markdown`, or the rule's
    /// `messageStrings[id]`, or the component's (then the driver's) `globalMessageStrings[id]`; with the
    /// arguments substituted when it has any (a message string from a rule is always a format string).
    fn message(&mut self, msg: &Value, rule: Option<&Value>, component: &Value, driver: &Value, pointer: &str) -> Option<Message> {
        let non_blank = |v: &Value| v.as_str().filter(|s| !s.trim().is_empty()).map(str::to_string);
        let args: Vec<String> = items(&msg["arguments"])
            .iter()
            .map(|a| match a {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        let (text, markdown, template) = match (non_blank(&msg["text"]), non_blank(&msg["markdown"])) {
            (None, None) => {
                let Some(id) = string(&msg["id"]) else {
                    self.sink.push(codes::MISSING_MESSAGE, pointer, "the result has no message text; it is not a report");
                    return None;
                };
                fn lookup<'a>(holder: &'a Value, member: &str, id: &str) -> Option<&'a Value> {
                    Some(&holder[member][id]).filter(|m| m.is_object())
                }
                let found = rule
                    .and_then(|r| lookup(r, "messageStrings", id))
                    .or_else(|| lookup(component, "globalMessageStrings", id))
                    .or_else(|| if std::ptr::eq(component, driver) { None } else { lookup(driver, "globalMessageStrings", id) });
                let Some(found) = found else {
                    self.sink.push(
                        codes::UNRESOLVED_MESSAGE,
                        format!("{pointer}/id"),
                        format!("message id {id:?} is in none of the tool's message strings; the result is not a report"),
                    );
                    return None;
                };
                let (text, markdown) = (non_blank(&found["text"]), non_blank(&found["markdown"]));
                if text.is_none() && markdown.is_none() {
                    self.sink.push(codes::MISSING_MESSAGE, format!("{pointer}/id"), format!("message string {id:?} is blank; the result is not a report"));
                    return None;
                }
                (text, markdown, true)
            }
            (text, markdown) => (text, markdown, !args.is_empty()),
        };
        let cap = self.opts.max_message_bytes;
        let mut cut = false;
        let mut missing: Vec<String> = Vec::new();
        let mut render = |s: String| {
            if template {
                let f = text::format_message(&s, &args, cap);
                cut |= f.cut;
                for m in f.missing {
                    if !missing.contains(&m) {
                        missing.push(m);
                    }
                }
                f.text
            } else {
                let mut s = s;
                cut |= text::truncate(&mut s, cap);
                s
            }
        };
        let blank_to_none = |s: String| if s.trim().is_empty() { None } else { Some(s) };
        let message = Message { text: text.map(&mut render).and_then(blank_to_none), markdown: markdown.map(&mut render).and_then(blank_to_none) };
        if message.text.is_none() && message.markdown.is_none() {
            self.sink.push(codes::MISSING_MESSAGE, pointer, "the message is blank once its arguments are in; the result is not a report");
            return None;
        }
        if cut {
            self.sink.push(codes::TRUNCATED, pointer, format!("the message was cut to {cap} bytes"));
        }
        if !missing.is_empty() {
            let msg = format!("placeholders without an argument were left as written: {}", missing.join(", "));
            self.sink.push(codes::MISSING_ARGUMENT, format!("{pointer}/arguments"), msg);
        }
        Some(message)
    }

    fn read_result(&mut self, run: &Run, finder: &Finder, rules: &mut HashMap<RuleKey, RuleInfo>, i: usize, result: &Value) {
        let pointer = format!("{}/results/{i}", run.pointer);
        let stats = &mut self.intake.stats;
        if !result.is_object() {
            stats.skipped_unusable += 1;
            self.sink.push(codes::INVALID_RESULT, pointer, "a result is a JSON object");
            return;
        }
        if let Some(kind) = result["kind"].as_str().filter(|k| matches!(*k, "pass" | "notApplicable" | "informational")) {
            stats.skipped_kind += 1;
            self.sink.push(codes::SKIPPED_KIND, format!("{pointer}/kind"), format!("the result's kind is {kind:?}: not a finding"));
            return;
        }
        if suppressed(&result["suppressions"]) {
            stats.skipped_suppressed += 1;
            self.sink.push(codes::SKIPPED_SUPPRESSED, format!("{pointer}/suppressions"), "the result has an accepted suppression");
            return;
        }
        if result["baselineState"].as_str() == Some("absent") {
            stats.skipped_absent += 1;
            self.sink.push(codes::SKIPPED_ABSENT, format!("{pointer}/baselineState"), "the result is absent: in the baseline, and gone from this run");
            return;
        }

        let sink = &mut self.sink;
        let key = run.find_rule(result, |field, msg| sink.push(codes::INVALID_RULE_REFERENCE, format!("{pointer}/{field}"), msg));
        if let Some(k) = key
            && !rules.contains_key(&k)
        {
            let info = self.rule_info(run, k);
            rules.insert(k, info);
        }
        let rule = key.and_then(|k| rules.get(&k));
        let component = key.map_or(run.driver, |(c, _)| run.component(c));
        let Some(message) = self.message(&result["message"], key.map(|k| run.rule(k)), component, run.driver, &format!("{pointer}/message")) else {
            self.intake.stats.skipped_unusable += 1;
            return;
        };

        let rule_id = string(&result["ruleId"]).or_else(|| string(&result["rule"]["id"])).map(str::to_string).or_else(|| rule.and_then(|r| r.id.clone()));
        let level = string(&result["level"]).map(str::to_string).or_else(|| rule.and_then(|r| r.level.clone()));
        let plain = message.plain();
        let title = rule
            .and_then(|r| r.title.clone())
            .or_else(|| Some(text::first_sentence(&plain, MAX_TITLE_CHARS)).filter(|t| !t.is_empty()))
            .or_else(|| Some(text::one_line(&plain, MAX_TITLE_CHARS)).filter(|t| !t.is_empty()))
            .unwrap_or_else(|| format!("Finding of {}", text::one_line(rule_id.as_deref().unwrap_or(&finder.name), MAX_TITLE_CHARS - 11)));

        let mut weaknesses = rule.map(|r| r.cwes.clone()).unwrap_or_default();
        for tag in items(&result["properties"]["tags"]) {
            add_unique(&mut weaknesses, tag.as_str().and_then(normalize_cwe));
        }
        for taxon in items(&result["taxa"]) {
            add_unique(&mut weaknesses, run.cwe_of_taxon_reference(taxon));
        }
        add_unique(&mut weaknesses, rule_id.as_deref().and_then(cwe::from_rule_id));

        let location = items(&result["locations"]).iter().find_map(|l| run.place(&l["physicalLocation"])).map(|p| p.short());
        let fingerprint = first_by_key(&result["fingerprints"]).or_else(|| first_by_key(&result["partialFingerprints"]));

        let facts = Facts {
            rule_id: rule_id.as_deref(),
            rule_name: rule.and_then(|r| r.name.as_deref()),
            level: level.as_deref(),
            rule_section: rule.map_or("", |r| r.section.as_str()),
        };
        let mut description = describe::describe(run, result, &message.markdown(run, result), &facts);
        if text::truncate(&mut description, self.opts.max_description_bytes) {
            self.sink.push(codes::TRUNCATED, pointer.clone(), format!("the description was cut to {} bytes", self.opts.max_description_bytes));
        }

        let report = ReportSubmission {
            title,
            description,
            affected: self.opts.purl.iter().map(|purl| AffectedPackage { purl: purl.clone(), versions: Vec::new(), ranges: Vec::new(), vers: None }).collect(),
            weaknesses,
            impact: None,
            cvss_vector: None,
            finder: finder.clone(),
            tlp: self.opts.tlp,
            contact: None,
            files: Vec::new(),
        };
        self.intake.stats.reports += 1;
        self.intake.reports.push(SarifFinding { report, rule_id, fingerprint, location, level, pointer });
    }
}

/// Whether a result's suppressions suppress it: at least one is accepted (`status` `accepted` or absent)
/// and none is `underReview` or `rejected`.
fn suppressed(suppressions: &Value) -> bool {
    let all = items(suppressions);
    let status = |s: &Value| s["status"].as_str().unwrap_or("accepted").to_string();
    all.iter().any(|s| s.is_object() && status(s) == "accepted") && !all.iter().any(|s| matches!(status(s).as_str(), "underReview" | "rejected"))
}

/// The value of the first key (in sorted order) whose value is a non-blank string.
fn first_by_key(map: &Value) -> Option<String> {
    let map = map.as_object()?;
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys.into_iter().find_map(|k| string(&map[k.as_str()])).map(|v| {
        let mut v = v.to_string();
        text::truncate(&mut v, 1024);
        v
    })
}

fn add_unique(list: &mut Vec<String>, item: Option<String>) {
    if let Some(item) = item
        && !list.contains(&item)
    {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_status() {
        let s = |v: serde_json::Value| suppressed(&v);
        assert!(s(serde_json::json!([{"kind": "inSource"}])));
        assert!(s(serde_json::json!([{"kind": "external", "status": "accepted"}])));
        assert!(!s(serde_json::json!([{"kind": "external", "status": "underReview"}])));
        assert!(!s(serde_json::json!([{"kind": "inSource"}, {"kind": "external", "status": "rejected"}])));
        assert!(!s(serde_json::json!([])));
        assert!(!s(serde_json::json!("yes")));
        assert!(!s(serde_json::json!([1])));
    }

    #[test]
    fn fingerprints_in_key_order() {
        let v = serde_json::json!({"z": "last", "b": "", "a/1": "first", "c": 3});
        assert_eq!(first_by_key(&v).as_deref(), Some("first"));
        assert_eq!(first_by_key(&serde_json::json!([])), None);
    }
}
