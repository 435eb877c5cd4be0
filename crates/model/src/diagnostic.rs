//! Diagnostics: what every parser and validator of outside data returns instead of failing on the
//! first problem.

use serde::{Deserialize, Serialize};

/// One problem found in a document: a stable machine-readable code, the JSON pointer (RFC 6901)
/// of the offending value, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diagnostic {
    /// Stable code, for example `invalid_purl`.
    pub code: String,
    /// JSON pointer to the offending value, for example `/affected/0/purl`; empty for the whole document.
    pub pointer: String,
    pub message: String,
}

impl Diagnostic {
    pub fn new(code: impl Into<String>, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), pointer: pointer.into(), message: message.into() }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() { write!(f, "{}: {}", self.code, self.message) } else { write!(f, "{} at {}: {}", self.code, self.pointer, self.message) }
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901 section 3).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from path segments.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape_pointer_token(s.as_ref()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_tilde_and_slash() {
        assert_eq!(pointer(["a/b", "c~d", "0"]), "/a~1b/c~0d/0");
        assert_eq!(pointer(Vec::<String>::new()), "");
    }
}
