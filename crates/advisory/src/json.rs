//! Reading untrusted JSON documents field by field, collecting every problem with its JSON pointer
//! instead of stopping at the first (a record with one odd field is still imported).

use clearinghouse_model::Diagnostic;
use clearinghouse_model::diagnostic::escape_pointer_token;
use serde_json::Value;

/// Largest document an importer reads (the KEV catalog is about 1.5 MB; a CSAF document with a
/// large product tree a few MB).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// Parses bytes as JSON, bounded in size (serde_json bounds nesting at 128 levels).
pub fn parse(bytes: &[u8]) -> Result<Value, Diagnostic> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Diagnostic::new("too_large", "", format!("the document is {} bytes; the limit is {MAX_DOCUMENT_BYTES}", bytes.len())));
    }
    serde_json::from_slice(bytes).map_err(|e| Diagnostic::new("invalid_json", "", format!("not JSON: {e}")))
}

/// The problems found while reading one document.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<Diagnostic>);

impl Problems {
    pub fn add(&mut self, code: &str, pointer: &str, message: impl Into<String>) {
        // Bounded: a hostile document can make every element wrong.
        if self.0.len() < 10_000 {
            self.0.push(Diagnostic::new(code, pointer, message));
        }
    }

    /// `v[key]` as a string; absent is `None`, another type a `wrong_type` problem.
    pub fn str<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v str> {
        match v.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.add("wrong_type", &child(at, key), format!("{key}: expected a string, found {}", type_name(other)));
                None
            }
        }
    }

    /// `v[key]` as an array (empty when absent; a `wrong_type` problem when not an array), each
    /// element with its pointer.
    pub fn array<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Vec<(String, &'v Value)> {
        let here = child(at, key);
        match v.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().enumerate().map(|(i, item)| (format!("{here}/{i}"), item)).collect(),
            Some(other) => {
                self.add("wrong_type", &here, format!("{key}: expected an array, found {}", type_name(other)));
                Vec::new()
            }
        }
    }

    /// `v[key]` as an object.
    pub fn object<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v Value> {
        match v.get(key) {
            None | Some(Value::Null) => None,
            Some(o @ Value::Object(_)) => Some(o),
            Some(other) => {
                self.add("wrong_type", &child(at, key), format!("{key}: expected an object, found {}", type_name(other)));
                None
            }
        }
    }

    /// The strings of an array field (other elements are problems).
    pub fn strings(&mut self, v: &Value, key: &str, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (p, item) in self.array(v, key, at) {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => self.add("wrong_type", &p, format!("expected a string, found {}", type_name(other))),
            }
        }
        out
    }
}

/// The pointer of `key` under `at`.
pub fn child(at: &str, key: &str) -> String {
    format!("{at}/{}", escape_pointer_token(key))
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
