//! What the three readers share: bounded parsing into a `serde_json::Value`, the context that
//! collects diagnostics and bounds the output, and lenient accessors that report a wrong member with
//! its JSON pointer and carry on.
//!
//! Parsing goes through a deserializer seed that counts every value and every level of nesting
//! while the document is read, so deep or bloated input is refused before it costs stack or memory
//! (serde_json's own recursion limit stays behind it as a second guard). VEX documents are small
//! next to SBOMs, so reading one whole into a `Value` is fine once it is bounded; the CSAF product
//! tree has to be read before the vulnerabilities that refer to it anyway.

use std::cell::Cell;
use std::fmt;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::diagnostic::escape_pointer_token;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{MAX_DEPTH, MAX_DIAGNOSTICS, MAX_IDENTIFIER_LEN, MAX_OUTPUT_BYTES, MAX_VALUES, ProductRef, Statement, codes};

/// Most product ids CSAF product groups may expand into over a whole document.
const MAX_EXPANSIONS: usize = 4 * MAX_VALUES;

const DEPTH_MESSAGE: &str = "clearinghouse-vex nesting limit";
const VALUES_MESSAGE: &str = "clearinghouse-vex value limit";

/// Parses JSON within [`MAX_DEPTH`] and [`MAX_VALUES`].
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, Diagnostic> {
    let budget = Cell::new(MAX_VALUES);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = Budgeted { budget: &budget, depth: 0 }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        let text = e.to_string();
        if text.contains(DEPTH_MESSAGE) || text.contains("recursion limit exceeded") {
            Diagnostic::new(codes::TOO_DEEP, "", format!("arrays and objects nested deeper than {MAX_DEPTH} levels (line {} column {})", e.line(), e.column()))
        } else if text.contains(VALUES_MESSAGE) {
            Diagnostic::new(codes::TOO_MANY_VALUES, "", format!("more than {MAX_VALUES} JSON values"))
        } else {
            Diagnostic::new(codes::INVALID_JSON, "", format!("not JSON: {text}"))
        }
    })
}

struct Budgeted<'a> {
    budget: &'a Cell<usize>,
    depth: usize,
}

fn spend<E: de::Error>(budget: &Cell<usize>) -> Result<(), E> {
    match budget.get().checked_sub(1) {
        Some(left) => {
            budget.set(left);
            Ok(())
        }
        None => Err(E::custom(VALUES_MESSAGE)),
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
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        spend(self.budget)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        spend(self.budget)?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Budgeted { budget: self.budget, depth: self.depth + 1 })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        spend(self.budget)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // Keys count like values, so an object of a million members is bounded like an array.
            spend::<A::Error>(self.budget)?;
            let v = map.next_value_seed(Budgeted { budget: self.budget, depth: self.depth + 1 })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// The reading context: diagnostics (bounded by [`MAX_DIAGNOSTICS`]) and the output budget
/// (bounded by [`MAX_OUTPUT_BYTES`]).
pub(crate) struct Ctx {
    diags: Vec<Diagnostic>,
    dropped: usize,
    output_left: usize,
    full: bool,
    expansions_left: usize,
    expansions_spent: bool,
}

impl Ctx {
    pub(crate) fn new() -> Ctx {
        Ctx { diags: Vec::new(), dropped: 0, output_left: MAX_OUTPUT_BYTES, full: false, expansions_left: MAX_EXPANSIONS, expansions_spent: false }
    }

    pub(crate) fn diag(&mut self, code: &str, pointer: &str, message: impl Into<String>) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(Diagnostic::new(code, pointer, message));
        } else {
            self.dropped += 1;
        }
    }

    /// Whether the output budget is spent; readers stop adding statements once it is.
    pub(crate) fn full(&self) -> bool {
        self.full
    }

    /// Charges `bytes` of output (a statement, or a product copied from elsewhere in the document).
    /// Returns false, and says so once, when the budget is spent: one product or text referred to
    /// from many places could otherwise turn a small document into gigabytes of statements.
    pub(crate) fn charge(&mut self, bytes: usize, pointer: &str) -> bool {
        if self.full {
            return false;
        }
        match self.output_left.checked_sub(bytes) {
            Some(left) => {
                self.output_left = left;
                true
            }
            None => {
                self.full = true;
                self.diag(
                    codes::OUTPUT_LIMIT,
                    pointer,
                    format!("the statements read so far take more than {MAX_OUTPUT_BYTES} bytes; the rest of the document is not read"),
                );
                false
            }
        }
    }

    /// Spends `n` of the expansion budget (CSAF product groups expanded where they are referred
    /// to): one group of a million products named by a million flags would otherwise be a
    /// trillion steps. Returns false, and says so once, when it is spent.
    pub(crate) fn expand(&mut self, n: usize, pointer: &str) -> bool {
        match self.expansions_left.checked_sub(n) {
            Some(left) => {
                self.expansions_left = left;
                true
            }
            None => {
                if !self.expansions_spent {
                    self.expansions_spent = true;
                    self.diag(
                        codes::OUTPUT_LIMIT,
                        pointer,
                        format!("product groups were expanded into more than {MAX_EXPANSIONS} product ids; the remaining references to groups are not read"),
                    );
                }
                false
            }
        }
    }

    /// Charges and pushes a statement.
    pub(crate) fn push(&mut self, out: &mut Vec<Statement>, s: Statement) {
        let weight = 128
            + s.vulnerability.len()
            + s.aliases.iter().map(|a| a.len() + 24).sum::<usize>()
            + s.products.iter().map(product_weight).sum::<usize>()
            + [&s.justification, &s.detail, &s.action, &s.timestamp].iter().map(|o| o.as_ref().map_or(0, String::len)).sum::<usize>()
            + s.location.len();
        if self.charge(weight, &s.location) {
            out.push(s);
        }
    }

    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.diags.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, "", format!("{} more diagnostics were left out", self.dropped)));
        }
        self.diags
    }
}

/// Roughly the bytes a product takes in memory.
pub(crate) fn product_weight(p: &ProductRef) -> usize {
    let strings = [&p.purl, &p.cpe, &p.bom_ref, &p.name, &p.version, &p.version_range];
    96 + strings.iter().map(|o| o.as_ref().map_or(0, String::len)).sum::<usize>() + p.subcomponents.iter().map(product_weight).sum::<usize>()
}

pub(crate) fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_pointer_token(key))
}

pub(crate) fn index(pointer: &str, i: usize) -> String {
    format!("{pointer}/{i}")
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Cuts untrusted text for a message, at a character boundary.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A member; `null` counts as absent (generators write it for empty optional members).
pub(crate) fn get<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn wrong(ctx: &mut Ctx, pointer: &str, expected: &str, v: &Value) {
    ctx.diag(codes::WRONG_TYPE, pointer, format!("expected {expected}, found {}; the value was ignored", type_name(v)));
}

/// A string member, any length (free text).
pub(crate) fn text<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Option<&'v str> {
    match get(obj, key)? {
        Value::String(s) => Some(s),
        other => {
            wrong(ctx, &child(pointer, key), "a string", other);
            None
        }
    }
}

/// A free-text member, trimmed; empty text counts as absent.
pub(crate) fn text_owned(ctx: &mut Ctx, obj: &Map<String, Value>, pointer: &str, key: &str) -> Option<String> {
    text(ctx, obj, pointer, key).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Checks one identifier value found at `pointer`: a non-empty string (after trimming) of at most
/// [`MAX_IDENTIFIER_LEN`] bytes.
pub(crate) fn ident_value<'v>(ctx: &mut Ctx, v: &'v Value, pointer: &str) -> Option<&'v str> {
    let Value::String(s) = v else {
        wrong(ctx, pointer, "a string", v);
        return None;
    };
    let s = s.trim();
    if s.is_empty() {
        ctx.diag(codes::EMPTY_VALUE, pointer, "the value is empty; it was ignored");
        None
    } else if s.len() > MAX_IDENTIFIER_LEN {
        ctx.diag(codes::TOO_LONG, pointer, format!("{} bytes long; the limit for identifiers is {MAX_IDENTIFIER_LEN}; it was ignored", s.len()));
        None
    } else {
        Some(s)
    }
}

/// An identifier member (id, reference, purl, name, version, label, status).
pub(crate) fn ident<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Option<&'v str> {
    let v = get(obj, key)?;
    ident_value(ctx, v, &child(pointer, key))
}

pub(crate) fn object<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Option<&'v Map<String, Value>> {
    match get(obj, key)? {
        Value::Object(m) => Some(m),
        other => {
            wrong(ctx, &child(pointer, key), "an object", other);
            None
        }
    }
}

pub(crate) fn array<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Option<&'v [Value]> {
    match get(obj, key)? {
        Value::Array(items) => Some(items),
        other => {
            wrong(ctx, &child(pointer, key), "an array", other);
            None
        }
    }
}

/// The objects of an array member, each with its pointer; other items are reported and skipped.
pub(crate) fn objects<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Vec<(String, &'v Map<String, Value>)> {
    let Some(items) = array(ctx, obj, pointer, key) else { return Vec::new() };
    let base = child(pointer, key);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Object(m) => out.push((index(&base, i), m)),
            Value::Null => {}
            other => wrong(ctx, &index(&base, i), "an object", other),
        }
    }
    out
}

/// The identifiers of an array member, each with its pointer; other items are reported and skipped.
pub(crate) fn idents<'v>(ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str, key: &str) -> Vec<(String, &'v str)> {
    let Some(items) = array(ctx, obj, pointer, key) else { return Vec::new() };
    let base = child(pointer, key);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let p = index(&base, i);
        if let Some(s) = ident_value(ctx, item, &p) {
            out.push((p, s));
        }
    }
    out
}

/// Checks a purl found at `pointer`; an invalid one is reported and dropped.
pub(crate) fn purl(ctx: &mut Ctx, raw: &str, pointer: &str) -> Option<String> {
    match clearinghouse_osv::Purl::parse_lenient(raw) {
        Ok(_) => Some(raw.trim().to_string()),
        Err(e) => {
            ctx.diag(codes::INVALID_PURL, pointer, format!("\"{}\" is not a valid package URL ({}); the product is kept without it", shorten(raw), e.message));
            None
        }
    }
}

/// Checks a CPE found at `pointer` (the shape only: `cpe:2.3:` with at least part, vendor and
/// product, or a `cpe:/` URI); an invalid one is reported and dropped.
pub(crate) fn cpe(ctx: &mut Ctx, raw: &str, pointer: &str) -> Option<String> {
    let s = raw.trim();
    if crate::matching::cpe_fields(s).is_some() {
        Some(s.to_string())
    } else {
        ctx.diag(codes::INVALID_CPE, pointer, format!("\"{}\" is not a CPE 2.3 formatted string or a CPE 2.2 URI; the product is kept without it", shorten(s)));
        None
    }
}

/// The aliases of a vulnerability: each once (compared case-insensitively), in order, without the primary id.
pub(crate) fn aliases<'a>(primary: &str, items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    seen.insert(primary.to_ascii_lowercase());
    items.into_iter().filter(|s| seen.insert(s.to_ascii_lowercase())).map(str::to_string).collect()
}
