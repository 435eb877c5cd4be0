//! The JSON layer: a nesting check before any parsing, and a reader for a `results` array that keeps
//! each result as its unparsed text and stops keeping them at the limit.

use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The byte offset at which arrays and objects first nest deeper than `limit`, if they do. Strings
/// (with their escapes) are skipped; nothing else about the syntax is checked here, the parser does that.
pub(crate) fn too_deep_at(text: &[u8], limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The first byte that is not JSON whitespace.
pub(crate) fn first_byte(text: &str) -> Option<u8> {
    text.bytes().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The elements of a JSON array, unparsed, at most `keep` of them, and how many there were in all.
pub(crate) struct Elements<'a> {
    pub kept: Vec<&'a RawValue>,
    pub total: usize,
}

/// Reads a JSON array (already known to start with `[`) into [`Elements`]. The elements past `keep`
/// are only counted, so a log of ten million tiny results costs no more memory than `keep` of them.
pub(crate) fn elements(array: &str, keep: usize) -> Result<Elements<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(array);
    let out = ElementsSeed { keep }.deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

struct ElementsSeed {
    keep: usize,
}

impl<'de> DeserializeSeed<'de> for ElementsSeed {
    type Value = Elements<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ElementsSeed {
    type Value = Elements<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Elements { kept: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.keep).min(4096)), total: 0 };
        while out.total < self.keep {
            match seq.next_element::<&'de RawValue>()? {
                Some(v) => {
                    out.kept.push(v);
                    out.total += 1;
                }
                None => return Ok(out),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            out.total += 1;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(too_deep_at(br#"{"a": "[[[[[[\"[[[["}"#, 2), None);
        assert_eq!(too_deep_at(b"[[[]]]", 3), None);
        assert_eq!(too_deep_at(b"[[[]]]", 2), Some(2));
        assert_eq!(too_deep_at(b"]]]][", 1), None);
    }

    #[test]
    fn elements_are_kept_up_to_the_limit_and_counted() {
        let e = elements(r#"[{"a":1}, 2, "x", [3]]"#, 2).unwrap();
        assert_eq!(e.total, 4);
        assert_eq!(e.kept.iter().map(|v| v.get()).collect::<Vec<_>>(), [r#"{"a":1}"#, "2"]);
        assert_eq!(elements("[]", 5).unwrap().total, 0);
        assert!(elements("[1,]", 5).is_err());
        assert!(elements("[1] x", 5).is_err());
    }
}
