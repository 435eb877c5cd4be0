//! Reading OSV records from JSON or YAML: bounded, lenient, and reporting every problem.
//!
//! Two passes. First the bytes become a `serde_json::Value` through a deserializer seed that counts
//! every node it builds and every level of nesting ([`MAX_NODES`], [`MAX_DEPTH`]), so hostile input
//! is refused while it is read: deep nesting before the stack is at risk, and YAML alias expansion
//! ("billion laughs") before memory is, because an alias expands through the same counting visitor.
//! Then the value is walked field by field into a [`Record`]: a member of the wrong type is dropped
//! with a `wrong_type` diagnostic, an unknown member is kept in `extra`, and nothing short of an
//! unreadable document or a record without an id stops the walk.

use std::cell::Cell;
use std::fmt;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::diagnostic::escape_pointer_token;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::codes;
use crate::record::{
    Affected, CREDIT_TYPES, Credit, Event, Extra, Package, REFERENCE_TYPES, Range, Record, Reference, SEVERITY_TYPES, Severity, parse_timestamp,
};
use crate::{MAX_DEPTH, MAX_DIAGNOSTICS, MAX_ID_LEN, MAX_NODES, MAX_RECORD_BYTES};

/// Parses an OSV record from JSON. Returns the record (unless the input is not a JSON object within
/// the limits, or has no usable `id`) and every diagnostic, including those of its ranges (see
/// [`crate::compile_affected`]).
pub fn parse_record(bytes: &[u8]) -> (Option<Record>, Vec<Diagnostic>) {
    if let Some(d) = refuse_oversized(bytes) {
        return (None, vec![d]);
    }
    // A byte-order mark is not JSON but editors write it; it carries no meaning here.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let budget = Cell::new(MAX_NODES);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Budgeted { budget: &budget, depth: 0 }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match value {
        Ok(v) => from_value(v),
        Err(e) => (None, vec![read_error(codes::INVALID_JSON, e.to_string(), &budget)]),
    }
}

/// Parses an OSV record from YAML (one document), with the same limits and diagnostics as
/// [`parse_record`]. The schema allows YAML for storage (advisory repositories keep records in it),
/// never for serving.
pub fn parse_record_yaml(bytes: &[u8]) -> (Option<Record>, Vec<Diagnostic>) {
    if let Some(d) = refuse_oversized(bytes) {
        return (None, vec![d]);
    }
    let budget = Cell::new(MAX_NODES);
    // serde_yaml_ng sits on unsafe-libyaml, a translation of C code; a panic there would be a bug
    // in the dependency, but the rule for parsers of outside data is "never panic", so it is
    // contained here and reported like any other unreadable document.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Budgeted { budget: &budget, depth: 0 }.deserialize(serde_yaml_ng::Deserializer::from_slice(bytes)).map_err(|e| e.to_string())
    }));
    match result {
        Ok(Ok(v)) => from_value(v),
        Ok(Err(message)) => (None, vec![read_error(codes::INVALID_YAML, message, &budget)]),
        Err(_) => (None, vec![Diagnostic::new(codes::INVALID_YAML, "", "the YAML reader failed on this input")]),
    }
}

fn refuse_oversized(bytes: &[u8]) -> Option<Diagnostic> {
    (bytes.len() > MAX_RECORD_BYTES)
        .then(|| Diagnostic::new(codes::INPUT_TOO_LARGE, "", format!("the record is {} bytes; the limit is {MAX_RECORD_BYTES}", bytes.len())))
}

/// Limit errors surface as deserializer errors carrying our message (or, for YAML, the reader's own
/// guards against deep recursion and alias repetition, which may trip first); give them their codes.
fn read_error(code: &str, message: String, budget: &Cell<usize>) -> Diagnostic {
    if message.contains(DEPTH_MESSAGE) || message.contains("recursion limit exceeded") {
        Diagnostic::new(codes::NESTING_TOO_DEEP, "", format!("nesting deeper than {MAX_DEPTH} levels"))
    } else if budget.get() == 0 || message.contains(NODES_MESSAGE) || message.contains("repetition limit exceeded") {
        Diagnostic::new(codes::TOO_MANY_VALUES, "", format!("more than {MAX_NODES} values (after YAML alias expansion)"))
    } else {
        Diagnostic::new(code, "", message)
    }
}

const DEPTH_MESSAGE: &str = "clearinghouse-osv nesting limit";
const NODES_MESSAGE: &str = "clearinghouse-osv value limit";

/// Deserializes any self-describing input into a `serde_json::Value`, counting nodes and depth.
struct Budgeted<'a> {
    budget: &'a Cell<usize>,
    depth: usize,
}

impl Budgeted<'_> {
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(NODES_MESSAGE)),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Budgeted<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom(DEPTH_MESSAGE));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Budgeted<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-compatible value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.spend()?;
        // NaN and infinities (YAML's .nan, .inf) have no JSON form.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Budgeted { budget: self.budget, depth: self.depth }.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Budgeted { budget: self.budget, depth: self.depth + 1 })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed { budget: self.budget })? {
            let v = map.next_value_seed(Budgeted { budget: self.budget, depth: self.depth + 1 })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Object keys: strings, or YAML scalars (numbers, booleans) spelled as strings, as JSON would
/// need them. Counted like values, so a map of a million keys is refused like a list of them.
struct KeySeed<'a> {
    budget: &'a Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let budget = self.budget;
        match budget.get().checked_sub(1) {
            Some(left) => budget.set(left),
            None => return Err(de::Error::custom(NODES_MESSAGE)),
        }
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok("null".into())
    }
}

/// Collects diagnostics up to [`MAX_DIAGNOSTICS`], then one `too_many_diagnostics`.
pub(crate) struct Diags {
    pub(crate) list: Vec<Diagnostic>,
    dropped: usize,
}

impl Diags {
    pub(crate) fn new() -> Diags {
        Diags { list: Vec::new(), dropped: 0 }
    }
    pub(crate) fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }
    pub(crate) fn add(&mut self, code: &str, pointer: &str, message: impl Into<String>) {
        self.push(Diagnostic::new(code, pointer, message));
    }
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.list.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, "", format!("{} more diagnostics were left out", self.dropped)));
        }
        self.list
    }
}

fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_pointer_token(token))
}

fn index(pointer: &str, i: usize) -> String {
    format!("{pointer}/{i}")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Walks the members of one JSON object, taking the known ones out.
struct Obj<'a> {
    map: Map<String, Value>,
    pointer: String,
    diags: &'a mut Diags,
}

impl<'a> Obj<'a> {
    /// `null` counts as absent everywhere: the schema allows it for several arrays, and for the
    /// others it means nothing else.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn wrong(&mut self, key: &str, expected: &str, v: &Value) {
        let p = child(&self.pointer, key);
        self.diags.add(codes::WRONG_TYPE, &p, format!("expected {expected}, found {}; the value was ignored", type_name(v)));
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            other => {
                self.wrong(key, "a string", &other);
                None
            }
        }
    }

    /// Whether the member is present and not null.
    fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    fn required_string(&mut self, key: &str) -> String {
        if !self.has(key) {
            let p = child(&self.pointer, key);
            self.diags.add(codes::MISSING_FIELD, &p, format!("\"{key}\" is required"));
            return String::new();
        }
        self.string(key).unwrap_or_default()
    }

    fn timestamp(&mut self, key: &str) -> Option<String> {
        let s = self.string(key)?;
        if parse_timestamp(&s).is_none() {
            let p = child(&self.pointer, key);
            self.diags.add(codes::INVALID_TIMESTAMP, &p, format!("\"{}\" is not an RFC 3339 timestamp", shorten(&s)));
        }
        Some(s)
    }

    /// A version: a string, or an integer written without quotes (YAML's `introduced: 0`), which
    /// converts without loss and is reported as `number_as_version`. Other numbers (`1.10` would
    /// read as 1.1) are wrong types.
    fn version(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            Value::Number(n) if n.is_u64() || n.is_i64() => {
                let p = child(&self.pointer, key);
                self.diags.add(codes::NUMBER_AS_VERSION, &p, format!("the version {n} is a number; read as the string \"{n}\" (quote versions)"));
                Some(n.to_string())
            }
            other => {
                self.wrong(key, "a version string", &other);
                None
            }
        }
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        let Some(v) = self.take(key) else { return Vec::new() };
        let Value::Array(items) = v else {
            self.wrong(key, "an array of strings", &v);
            return Vec::new();
        };
        let base = child(&self.pointer, key);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::String(s) => out.push(s),
                other => self.diags.add(codes::WRONG_TYPE, &index(&base, i), format!("expected a string, found {}; the item was ignored", type_name(&other))),
            }
        }
        out
    }

    fn object(&mut self, key: &str) -> Option<Map<String, Value>> {
        match self.take(key)? {
            Value::Object(m) => Some(m),
            other => {
                self.wrong(key, "an object", &other);
                None
            }
        }
    }

    /// The items of an array of objects, each with its pointer; other items are reported.
    fn objects(&mut self, key: &str) -> Vec<(String, Map<String, Value>)> {
        let Some(v) = self.take(key) else { return Vec::new() };
        let Value::Array(items) = v else {
            self.wrong(key, "an array", &v);
            return Vec::new();
        };
        let base = child(&self.pointer, key);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::Object(m) => out.push((index(&base, i), m)),
                other => self.diags.add(codes::WRONG_TYPE, &index(&base, i), format!("expected an object, found {}; the item was ignored", type_name(&other))),
            }
        }
        out
    }

    fn extra(self) -> Extra {
        self.map
    }
}

fn known(diags: &mut Diags, pointer: &str, value: &str, allowed: &[&str], code: &str, what: &str) {
    if !allowed.contains(&value) {
        diags.add(code, pointer, format!("\"{}\" is not a {what} the OSV schema defines ({})", shorten(value), allowed.join(", ")));
    }
}

fn from_value(v: Value) -> (Option<Record>, Vec<Diagnostic>) {
    let mut diags = Diags::new();
    let Value::Object(map) = v else {
        diags.add(codes::NOT_AN_OBJECT, "", format!("an OSV record is a JSON object, found {}", type_name(&v)));
        return (None, diags.finish());
    };
    let mut o = Obj { map, pointer: String::new(), diags: &mut diags };

    let id = o.required_string("id");
    let schema_version = o.string("schema_version");
    if !o.has("modified") {
        o.diags.add(codes::MISSING_FIELD, "/modified", "\"modified\" is required");
    }
    let modified = o.timestamp("modified");
    let published = o.timestamp("published");
    let withdrawn = o.timestamp("withdrawn");
    let aliases = o.strings("aliases");
    let related = o.strings("related");
    let upstream = o.strings("upstream");
    let summary = o.string("summary");
    let details = o.string("details");
    let severity = severities(&mut o, "severity");
    let affected_items = o.objects("affected");
    let references_items = o.objects("references");
    let credits_items = o.objects("credits");
    let database_specific = o.object("database_specific");
    let extra = o.extra();

    let affected: Vec<Affected> = affected_items.into_iter().map(|(p, m)| affected(&mut diags, p, m)).collect();
    if !severity.is_empty()
        && let Some(i) = affected.iter().position(|a| !a.severity.is_empty())
    {
        diags.add(
            codes::SEVERITY_AT_BOTH_LEVELS,
            &format!("/affected/{i}/severity"),
            "the record has a top-level severity, so the schema forbids one per affected package",
        );
    }
    let references = references_items.into_iter().map(|(p, m)| reference(&mut diags, p, m)).collect();
    let credits = credits_items.into_iter().map(|(p, m)| credit(&mut diags, p, m)).collect();

    let id_problem = check_id(&id);
    // A missing id was reported as missing_field already; an empty or malformed one is reported here.
    if let Some(message) = &id_problem
        && !diags.list.iter().any(|d| d.pointer == "/id")
    {
        diags.add(codes::INVALID_ID, "/id", message.clone());
    }
    let record = Record {
        schema_version,
        id,
        modified,
        published,
        withdrawn,
        aliases,
        related,
        upstream,
        summary,
        details,
        severity,
        affected,
        references,
        credits,
        database_specific,
        extra,
    };
    // Range problems need the ecosystem and the version rules; they are found by compiling each
    // entry exactly as the matching engine will, so the import report and the engine agree.
    for (i, a) in record.affected.iter().enumerate() {
        for d in crate::eval::compile_affected(i, a).problems {
            diags.push(d);
        }
    }
    // A record without an id cannot be stored, referred to, upserted or withdrawn: it is refused.
    // Everything else degrades to a diagnostic.
    let record = id_problem.is_none().then_some(record);
    (record, diags.finish())
}

fn check_id(id: &str) -> Option<String> {
    if id.is_empty() {
        Some("the id is empty".into())
    } else if id.len() > MAX_ID_LEN {
        Some(format!("the id is {} bytes long; the limit is {MAX_ID_LEN}", id.len()))
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(format!("the id \"{}\" contains white space or control characters", shorten(id)))
    } else {
        None
    }
}

fn severities(o: &mut Obj, key: &str) -> Vec<Severity> {
    let items = o.objects(key);
    items
        .into_iter()
        .map(|(p, map)| {
            let mut s = Obj { map, pointer: p, diags: &mut *o.diags };
            let severity_type = s.required_string("type");
            let score = s.required_string("score");
            if !severity_type.is_empty() {
                let p = child(&s.pointer, "type");
                known(s.diags, &p, &severity_type, SEVERITY_TYPES, codes::UNKNOWN_SEVERITY_TYPE, "severity type");
            }
            Severity { severity_type, score, extra: s.extra() }
        })
        .collect()
}

fn affected(diags: &mut Diags, pointer: String, map: Map<String, Value>) -> Affected {
    let mut o = Obj { map, pointer, diags };
    let package = o.object("package").map(|m| {
        let mut p = Obj { map: m, pointer: child(&o.pointer, "package"), diags: &mut *o.diags };
        let ecosystem = p.required_string("ecosystem");
        let name = p.required_string("name");
        let purl = p.string("purl");
        Package { ecosystem, name, purl, extra: p.extra() }
    });
    let severity = severities(&mut o, "severity");
    let range_items = o.objects("ranges");
    let versions = o.strings("versions");
    let ecosystem_specific = o.object("ecosystem_specific");
    let database_specific = o.object("database_specific");
    let extra = o.extra();
    let ranges = range_items.into_iter().map(|(p, m)| range(diags, p, m)).collect();
    Affected { package, severity, ranges, versions, ecosystem_specific, database_specific, extra }
}

fn range(diags: &mut Diags, pointer: String, map: Map<String, Value>) -> Range {
    let mut o = Obj { map, pointer, diags };
    let range_type = o.required_string("type");
    let repo = o.string("repo");
    if !o.has("events") {
        let p = child(&o.pointer, "events");
        o.diags.add(codes::MISSING_FIELD, &p, "\"events\" is required");
    }
    let event_items = o.objects("events");
    let database_specific = o.object("database_specific");
    let extra = o.extra();
    let events = event_items
        .into_iter()
        .map(|(p, map)| {
            let mut e = Obj { map, pointer: p, diags: &mut *diags };
            let introduced = e.version("introduced");
            let fixed = e.version("fixed");
            let last_affected = e.version("last_affected");
            let limit = e.version("limit");
            Event { introduced, fixed, last_affected, limit, extra: e.extra() }
        })
        .collect();
    Range { range_type, repo, events, database_specific, extra }
}

fn reference(diags: &mut Diags, pointer: String, map: Map<String, Value>) -> Reference {
    let mut o = Obj { map, pointer, diags };
    let reference_type = o.required_string("type");
    let url = o.required_string("url");
    if !reference_type.is_empty() {
        let p = child(&o.pointer, "type");
        known(o.diags, &p, &reference_type, REFERENCE_TYPES, codes::UNKNOWN_REFERENCE_TYPE, "reference type");
    }
    Reference { reference_type, url, extra: o.extra() }
}

fn credit(diags: &mut Diags, pointer: String, map: Map<String, Value>) -> Credit {
    let mut o = Obj { map, pointer, diags };
    let name = o.required_string("name");
    let contact = o.strings("contact");
    let credit_type = o.string("type");
    if let Some(t) = &credit_type {
        let p = child(&o.pointer, "type");
        known(o.diags, &p, t, CREDIT_TYPES, codes::UNKNOWN_CREDIT_TYPE, "credit type");
    }
    Credit { name, contact, credit_type, extra: o.extra() }
}

/// Cuts untrusted text for a message, at a character boundary.
pub(crate) use clearinghouse_versions::shorten;
