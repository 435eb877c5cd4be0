//! Streaming over a JSON document's top-level object: each key's value is skipped, read whole, or
//! (for arrays) read one element at a time, so a document of a million components never exists as
//! one `serde_json::Value`. Also the lenient accessors the JSON readers share.

use crate::cyclonedx_json::RawItem;
use crate::out::Out;
use clearinghouse_model::diagnostic::escape_pointer_token;
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// What to do with the value of one top-level key.
pub(crate) enum Mode {
    Skip,
    Whole,
    Elements,
    /// An array of CycloneDX components, read into typed values without a `Value` in between.
    Components,
    /// Stop reading: the handler has seen what it needs.
    Stop,
}

pub(crate) trait Handler {
    fn mode(&mut self, key: &str) -> Mode;
    fn whole(&mut self, _key: &str, _value: Value) {}
    fn element(&mut self, _key: &str, _index: usize, _value: Value) {}
    fn component(&mut self, _key: &str, _index: usize, _item: RawItem<'_>) {}
    /// A key read in `Elements` mode whose value is not an array; `found` names its type.
    fn not_array(&mut self, _key: &str, _found: &'static str) {}
}

/// Where the stream was when it failed: a JSON pointer to the top-level key or array element.
#[derive(Default)]
struct Pos {
    key: Option<String>,
    index: Option<usize>,
}

impl Pos {
    fn pointer(&self) -> String {
        match (&self.key, self.index) {
            (Some(k), Some(i)) => format!("/{}/{i}", escape_pointer_token(k)),
            (Some(k), None) => format!("/{}", escape_pointer_token(k)),
            _ => String::new(),
        }
    }
}

const STOP: &str = "\u{0}clearinghouse-sbom-stop";

/// Streams `bytes` into `handler`. A syntax error, a truncated document or nesting past serde_json's
/// limit (128) is returned as a diagnostic (code, JSON pointer of the element being read, message with
/// line and column); what the handler received before it stays received.
pub(crate) fn stream(bytes: &[u8], handler: &mut dyn Handler) -> Result<(), (String, String, String)> {
    let mut pos = Pos::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = Root { handler, pos: &mut pos }.deserialize(&mut de).and_then(|()| de.end());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().starts_with(STOP) => Ok(()),
        Err(e) => Err(classify(&e, pos.pointer())),
    }
}

/// Turns a serde_json error into (code, pointer, message).
pub(crate) fn classify(e: &serde_json::Error, pointer: String) -> (String, String, String) {
    let text = e.to_string();
    let code = if text.contains("recursion limit exceeded") {
        "too_deep"
    } else {
        match e.classify() {
            serde_json::error::Category::Eof => "truncated",
            serde_json::error::Category::Data => "wrong_type",
            _ => "invalid_json",
        }
    };
    let message = if code == "too_deep" {
        format!("JSON nested deeper than {} levels at line {} column {}; the rest of the document is not read", crate::MAX_NESTING_DEPTH, e.line(), e.column())
    } else {
        format!("{text}; the rest of the document is not read")
    };
    (code.to_string(), pointer, message)
}

struct Root<'a> {
    handler: &'a mut dyn Handler,
    pos: &'a mut Pos,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object at the top level")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            self.pos.key = Some(key.clone());
            self.pos.index = None;
            match self.handler.mode(&key) {
                Mode::Stop => return Err(A::Error::custom(STOP)),
                Mode::Skip => {
                    map.next_value::<IgnoredAny>()?;
                }
                Mode::Whole => {
                    let v = map.next_value::<Value>()?;
                    self.handler.whole(&key, v);
                }
                Mode::Elements => {
                    map.next_value_seed(Elements { handler: &mut *self.handler, pos: &mut *self.pos, key: &key, typed: false })?;
                }
                Mode::Components => {
                    map.next_value_seed(Elements { handler: &mut *self.handler, pos: &mut *self.pos, key: &key, typed: true })?;
                }
            }
        }
        self.pos.key = None;
        Ok(())
    }
}

struct Elements<'a> {
    handler: &'a mut dyn Handler,
    pos: &'a mut Pos,
    key: &'a str,
    typed: bool,
}

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.pos.index = Some(i);
            if self.typed {
                match seq.next_element::<RawItem<'de>>()? {
                    Some(c) => self.handler.component(self.key, i, c),
                    None => break,
                }
            } else {
                match seq.next_element::<Value>()? {
                    Some(v) => self.handler.element(self.key, i, v),
                    None => break,
                }
            }
            i += 1;
        }
        self.pos.index = None;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.handler.not_array(self.key, "an object");
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.handler.not_array(self.key, "a string");
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.handler.not_array(self.key, "a boolean");
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.handler.not_array(self.key, "a number");
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.handler.not_array(self.key, "a number");
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.handler.not_array(self.key, "a number");
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.handler.not_array(self.key, "null");
        Ok(())
    }
}

/// The name of a JSON value's type, for messages.
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

/// `parent/key` as a JSON pointer.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut s = String::with_capacity(parent.len() + key.len() + 1);
    s.push_str(parent);
    s.push('/');
    s.push_str(&escape_pointer_token(key));
    s
}

/// A string member: `None` when absent or null; a diagnostic and `None` when of another type.
pub(crate) fn string<'v>(obj: &'v Map<String, Value>, key: &str, at: &str, out: &mut Out) -> Option<&'v str> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            out.diag("wrong_type", child(at, key), format!("expected a string, found {}", type_name(other)));
            None
        }
    }
}

/// An array member: `None` when absent or null; a diagnostic and `None` when of another type.
pub(crate) fn array<'v>(obj: &'v Map<String, Value>, key: &str, at: &str, out: &mut Out) -> Option<&'v Vec<Value>> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a),
        Some(other) => {
            out.diag("wrong_type", child(at, key), format!("expected an array, found {}", type_name(other)));
            None
        }
    }
}

/// An object member: `None` when absent or null; a diagnostic and `None` when of another type.
pub(crate) fn object<'v>(obj: &'v Map<String, Value>, key: &str, at: &str, out: &mut Out) -> Option<&'v Map<String, Value>> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o),
        Some(other) => {
            out.diag("wrong_type", child(at, key), format!("expected an object, found {}", type_name(other)));
            None
        }
    }
}

/// Parses a whole JSON document as a `Value`, for the small formats (lockfiles). serde_json bounds the
/// nesting; errors become a fatal diagnostic.
pub(crate) fn whole(bytes: &[u8], out: &mut Out) -> Option<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            let (code, pointer, message) = classify(&e, String::new());
            out.fatal(&code, pointer, message);
            None
        }
    }
}

/// A string value read without building a `serde_json::Value`: borrowed from the input when it has no
/// escapes, or the name of the type found instead.
pub(crate) enum Lax<'a> {
    Str(Cow<'a, str>),
    Wrong(&'static str),
}

struct LaxVisitor;

impl<'de> Visitor<'de> for LaxVisitor {
    type Value = Lax<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Lax<'de>, E> {
        Ok(Lax::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Lax<'de>, E> {
        Ok(Lax::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Lax<'de>, E> {
        Ok(Lax::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Lax<'de>, E> {
        Ok(Lax::Wrong("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Lax<'de>, E> {
        Ok(Lax::Wrong("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Lax<'de>, E> {
        Ok(Lax::Wrong("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Lax<'de>, E> {
        Ok(Lax::Wrong("a number"))
    }
    fn visit_unit<E>(self) -> Result<Lax<'de>, E> {
        Ok(Lax::Wrong("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lax<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lax::Wrong("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lax<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Lax::Wrong("an object"))
    }
}

impl<'de> serde::Deserialize<'de> for Lax<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LaxVisitor)
    }
}

impl Lax<'_> {
    /// The string, or a `wrong_type` diagnostic at `at/key` and `None`.
    pub fn take(v: Option<Self>, at: &str, key: &str, out: &mut Out) -> Option<String> {
        match v? {
            Lax::Str(s) => Some(s.into_owned()),
            Lax::Wrong("null") => None,
            Lax::Wrong(found) => {
                out.diag("wrong_type", child(at, key), format!("expected a string, found {found}"));
                None
            }
        }
    }
}
