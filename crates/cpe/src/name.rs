//! The CPE well-formed name (WFN, NISTIR 7695 section 5) and its three textual forms: the 2.3
//! formatted string (section 6.2), the 2.2 URI (section 6.1) and the WFN notation itself
//! (`wfn:[part="a",vendor="hp",…]`), which the specifications' examples use.
//!
//! A value is kept unquoted (its literal characters) with its leading and trailing wildcard apart,
//! rather than as the quoted WFN string: matching, version comparison and every binding need the
//! literal, and the structure makes the rule "wildcards only at the ends" a property of the type
//! instead of something each consumer re-checks. [`Value::to_wfn`] gives the quoted WFN form.
//!
//! Departures from the document, each for real-world input and each documented at its function:
//! unquoted punctuation in a formatted string (`c++`) is read as the literal character, as the
//! unbinding procedure's `add_quoting` does; raw punctuation in a URI likewise; a `\` before an
//! alphanumeric is dropped; the language attribute is not checked against RFC 5646 (matching
//! compares it as a string); a value of wildcards alone (`??`) is refused; and the part NA is
//! refused (a name is of an application, an operating system or a hardware device, or ANY).

use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{CpeError, MAX_CPE_LEN, codes};

/// The eleven WFN attributes, in the order of the formatted-string binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Part,
    Vendor,
    Product,
    Version,
    Update,
    Edition,
    Language,
    SwEdition,
    TargetSw,
    TargetHw,
    Other,
}

impl Attribute {
    /// Every attribute, in binding order (`ALL[a.index()] == a`).
    pub const ALL: [Attribute; 11] = [
        Self::Part,
        Self::Vendor,
        Self::Product,
        Self::Version,
        Self::Update,
        Self::Edition,
        Self::Language,
        Self::SwEdition,
        Self::TargetSw,
        Self::TargetHw,
        Self::Other,
    ];

    /// The position in the formatted string and in [`Cpe::attributes`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The WFN attribute name (`sw_edition`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Part => "part",
            Self::Vendor => "vendor",
            Self::Product => "product",
            Self::Version => "version",
            Self::Update => "update",
            Self::Edition => "edition",
            Self::Language => "language",
            Self::SwEdition => "sw_edition",
            Self::TargetSw => "target_sw",
            Self::TargetHw => "target_hw",
            Self::Other => "other",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unquoted wildcard at one end of a value: `*` matches any number of characters (none
/// included), each `?` exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Wildcard {
    #[default]
    None,
    Star,
    /// A run of this many question marks (at least one).
    Questions(usize),
}

impl Wildcard {
    fn width(self) -> usize {
        match self {
            Self::None => 0,
            Self::Star => 1,
            Self::Questions(n) => n,
        }
    }

    fn push_plain(self, out: &mut String) {
        match self {
            Self::None => {}
            Self::Star => out.push('*'),
            Self::Questions(n) => out.extend(std::iter::repeat_n('?', n)),
        }
    }

    fn push_uri(self, out: &mut String) {
        match self {
            Self::None => {}
            Self::Star => out.push_str("%02"),
            Self::Questions(n) => out.extend(std::iter::repeat_n("%01", n)),
        }
    }

    /// Whether a run of `n` characters at this end of the target is what this wildcard matches.
    pub(crate) fn accepts(self, n: usize) -> bool {
        match self {
            Self::None => n == 0,
            Self::Star => true,
            Self::Questions(k) => n == k,
        }
    }
}

/// An attribute value other than ANY or NA: its literal characters (printable ASCII, never empty,
/// unquoted: the WFN `8\.0` is the literal `8.0`) and an optional wildcard at each end.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Value {
    leading: Wildcard,
    literal: String,
    trailing: Wildcard,
}

impl Value {
    /// A value without wildcards. Refused: an empty string, or one with a character outside
    /// printable ASCII (white space included).
    pub fn new(literal: &str) -> Result<Self, CpeError> {
        Self::with_wildcards(Wildcard::None, literal, Wildcard::None)
    }

    /// A value with wildcards at its ends (`Questions(0)` is read as `None`).
    pub fn with_wildcards(leading: Wildcard, literal: &str, trailing: Wildcard) -> Result<Self, CpeError> {
        let norm = |w| if w == Wildcard::Questions(0) { Wildcard::None } else { w };
        let (leading, trailing) = (norm(leading), norm(trailing));
        if literal.is_empty() {
            return Err(if leading == Wildcard::None && trailing == Wildcard::None {
                CpeError::new(codes::EMPTY_COMPONENT, "a value cannot be empty")
            } else {
                CpeError::new(codes::WILDCARD_ONLY, "a value cannot be made of wildcards alone")
            });
        }
        let total = literal.len().saturating_add(leading.width()).saturating_add(trailing.width());
        if total > MAX_CPE_LEN {
            return Err(CpeError::new(codes::TOO_LONG, format!("a value of {total} characters; a whole CPE has at most {MAX_CPE_LEN}")));
        }
        check_chars(literal)?;
        Ok(Self { leading, literal: literal.to_string(), trailing })
    }

    /// The literal characters, unquoted, without the wildcards: `7.4.0.1570` for the formatted
    /// string component `7.4.0.1570` and the WFN value `"7\.4\.0\.1570"`.
    pub fn literal(&self) -> &str {
        &self.literal
    }

    pub fn leading(&self) -> Wildcard {
        self.leading
    }

    pub fn trailing(&self) -> Wildcard {
        self.trailing
    }

    pub fn has_wildcards(&self) -> bool {
        self.leading != Wildcard::None || self.trailing != Wildcard::None
    }

    /// The value as a WFN string, without the surrounding quotes: every character other than a
    /// letter, a digit or `_` quoted with a backslash, wildcards unquoted (`8\.*`).
    pub fn to_wfn(&self) -> String {
        let mut out = String::with_capacity(self.literal.len() * 2);
        self.leading.push_plain(&mut out);
        for c in self.literal.chars() {
            if !(c.is_ascii_alphanumeric() || c == '_') {
                out.push('\\');
            }
            out.push(c);
        }
        self.trailing.push_plain(&mut out);
        out
    }

    /// Whether `target` (a literal, without wildcards) is one of the strings this value stands
    /// for, ignoring ASCII case: the literal at a place where what precedes it is what the
    /// leading wildcard matches and what follows it is what the trailing one matches.
    pub fn matches(&self, target: &str) -> bool {
        let lit = self.literal.as_bytes();
        let t = target.as_bytes();
        let eq_at = |p: usize| p.checked_add(lit.len()).and_then(|end| t.get(p..end)).is_some_and(|w| w.eq_ignore_ascii_case(lit));
        let after = |p: usize| t.len().checked_sub(p).and_then(|rest| rest.checked_sub(lit.len()));
        match (self.leading, self.trailing) {
            (Wildcard::Star, Wildcard::Star) => lit.len() <= t.len() && (0..=t.len() - lit.len()).any(eq_at),
            (Wildcard::Star, trailing) => {
                let k = trailing.width();
                match t.len().checked_sub(k).and_then(|x| x.checked_sub(lit.len())) {
                    Some(p) => eq_at(p),
                    None => false,
                }
            }
            (leading, trailing) => {
                let p = leading.width();
                eq_at(p) && after(p).is_some_and(|rest| trailing.accepts(rest))
            }
        }
    }

    fn push_fs(&self, out: &mut String) {
        self.leading.push_plain(out);
        if self.literal == "-" && !self.has_wildcards() {
            // A bare `-` would read back as NA.
            out.push_str("\\-");
        } else {
            for c in self.literal.chars() {
                if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        self.trailing.push_plain(out);
    }

    fn push_uri(&self, out: &mut String) {
        self.leading.push_uri(out);
        if self.literal == "-" && !self.has_wildcards() {
            out.push_str("%2d");
        } else {
            for c in self.literal.chars() {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    out.push(c);
                } else {
                    let _ = write!(out, "%{:02x}", c as u32);
                }
            }
        }
        self.trailing.push_uri(out);
    }
}

/// One attribute of a WFN: the logical values ANY (`*`; unspecified) and NA (`-`; not
/// applicable), or a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum AttributeValue {
    #[default]
    Any,
    Na,
    Value(Value),
}

impl AttributeValue {
    /// A value without wildcards (see [`Value::new`]).
    pub fn value(literal: &str) -> Result<Self, CpeError> {
        Value::new(literal).map(Self::Value)
    }

    pub fn as_value(&self) -> Option<&Value> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The literal characters of a value; `None` for ANY and NA.
    pub fn literal(&self) -> Option<&str> {
        self.as_value().map(Value::literal)
    }

    pub fn is_any(&self) -> bool {
        matches!(self, Self::Any)
    }

    pub fn is_na(&self) -> bool {
        matches!(self, Self::Na)
    }

    pub fn has_wildcards(&self) -> bool {
        self.as_value().is_some_and(Value::has_wildcards)
    }

    /// The attribute in the WFN notation: `ANY`, `NA` or the quoted value (`"8\.0"`).
    pub fn to_wfn(&self) -> String {
        match self {
            Self::Any => "ANY".to_string(),
            Self::Na => "NA".to_string(),
            Self::Value(v) => format!("\"{}\"", v.to_wfn()),
        }
    }

    fn push_uri(&self, out: &mut String) {
        match self {
            Self::Any => {}
            Self::Na => out.push('-'),
            Self::Value(v) => v.push_uri(out),
        }
    }
}

/// The attribute as a formatted-string component: `*`, `-`, or the value with backslash quoting.
impl fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Na => f.write_str("-"),
            Self::Value(v) => {
                let mut s = String::with_capacity(v.literal.len() + 4);
                v.push_fs(&mut s);
                f.write_str(&s)
            }
        }
    }
}

/// A CPE name as a WFN: eleven attributes. Equality is exact (case included); the NISTIR 7696
/// comparisons ([`crate::is_equal`] and the others) ignore ASCII case. A parsed URI is lower-cased,
/// as the URI unbinding procedure does; a formatted string keeps its case.
///
/// Serialised as its formatted string; deserialised from either binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Cpe {
    attrs: [AttributeValue; 11],
}

impl Cpe {
    /// Reads a CPE in either binding: the formatted string `cpe:2.3:…` or the URI `cpe:/…` (the
    /// prefixes in any case).
    pub fn parse(input: &str) -> Result<Self, CpeError> {
        check_len(input)?;
        let b = input.as_bytes();
        if starts_with_ci(b, b"cpe:2.3:") {
            Self::parse_formatted_string(input)
        } else if starts_with_ci(b, b"cpe:/") {
            Self::parse_uri(input)
        } else {
            Err(wrong_prefix(input, "'cpe:2.3:' (formatted string) or 'cpe:/' (URI)"))
        }
    }

    /// A name with every attribute ANY (the WFN `wfn:[]`).
    pub fn any() -> Self {
        Self::default()
    }

    /// A name from its eleven attributes in binding order. Refused: a part other than ANY, `a`, `o`
    /// or `h` (any case; stored lower-case).
    pub fn from_attributes(mut attrs: [AttributeValue; 11]) -> Result<Self, CpeError> {
        let part = std::mem::take(&mut attrs[0]);
        attrs[0] = check_part(part)?;
        Ok(Self { attrs })
    }

    /// Reads the formatted-string binding (NISTIR 7695 section 6.2): `cpe:2.3:` and exactly eleven
    /// components separated by unquoted colons. In a component, `*` alone is ANY and `-` alone NA;
    /// a backslash quotes the next character; an unquoted `*` may begin or end a value, and a run
    /// of unquoted `?` may begin or end it; any other unquoted character is itself (the unbinding
    /// procedure's `add_quoting` quotes such punctuation, so `c++` is read as `c\+\+`).
    pub fn parse_formatted_string(input: &str) -> Result<Self, CpeError> {
        check_len(input)?;
        if !starts_with_ci(input.as_bytes(), b"cpe:2.3:") {
            return Err(wrong_prefix(input, "'cpe:2.3:'"));
        }
        check_chars(input)?;
        let comps = split_fs(&input[8..]);
        if comps.len() != 11 {
            return Err(CpeError::new(
                codes::WRONG_COMPONENT_COUNT,
                format!("a formatted string has 11 components after 'cpe:2.3:' (part to other); found {}", comps.len()),
            ));
        }
        let mut attrs: [AttributeValue; 11] = Default::default();
        for (attr, comp) in Attribute::ALL.into_iter().zip(comps) {
            attrs[attr.index()] = match comp {
                "" => return Err(CpeError::new(codes::EMPTY_COMPONENT, format!("{attr} is empty; ANY is written '*' and NA '-'"))),
                "*" => AttributeValue::Any,
                "-" => AttributeValue::Na,
                _ => AttributeValue::Value(assemble(&fs_tokens(comp, attr)?, attr, comp)?),
            };
        }
        Self::from_attributes(attrs)
    }

    /// Reads the URI binding (NISTIR 7695 section 6.1): `cpe:/` and at most seven components (part,
    /// vendor, product, version, update, edition, language); a missing or empty component is ANY,
    /// `-` is NA. The edition may be packed, `~edition~sw_edition~target_sw~target_hw~other`.
    /// Percent-encoding is decoded, `%01` being an unquoted `?` and `%02` an unquoted `*`; the result
    /// is lower-cased, as the procedure's `decode` does. A raw `*` or `?` is refused (it is neither
    /// a wildcard nor ANY in a URI), and other raw punctuation (`+`, `!`) is read as itself.
    pub fn parse_uri(input: &str) -> Result<Self, CpeError> {
        check_len(input)?;
        if !starts_with_ci(input.as_bytes(), b"cpe:/") {
            return Err(wrong_prefix(input, "'cpe:/'"));
        }
        check_chars(input)?;
        let comps: Vec<&str> = input[5..].split(':').collect();
        if comps.len() > 7 {
            return Err(CpeError::new(
                codes::WRONG_COMPONENT_COUNT,
                format!("a URI has at most 7 components after 'cpe:/' (part, vendor, product, version, update, edition, language); found {}", comps.len()),
            ));
        }
        const URI_ATTRS: [Attribute; 7] =
            [Attribute::Part, Attribute::Vendor, Attribute::Product, Attribute::Version, Attribute::Update, Attribute::Edition, Attribute::Language];
        let mut attrs: [AttributeValue; 11] = Default::default();
        for (attr, comp) in URI_ATTRS.into_iter().zip(comps) {
            if attr == Attribute::Edition
                && let Some(packed) = comp.strip_prefix('~')
            {
                let fields: Vec<&str> = packed.split('~').collect();
                if fields.len() != 5 {
                    return Err(CpeError::new(
                        codes::INVALID_PACKED_EDITION,
                        format!(
                            "a packed edition is '~edition~sw_edition~target_sw~target_hw~other' (five fields); {comp:?} has {} (a literal '~' is written %7e)",
                            fields.len()
                        ),
                    ));
                }
                const PACKED: [Attribute; 5] = [Attribute::Edition, Attribute::SwEdition, Attribute::TargetSw, Attribute::TargetHw, Attribute::Other];
                for (a, field) in PACKED.into_iter().zip(fields) {
                    attrs[a.index()] = decode_uri(field, a)?;
                }
            } else {
                attrs[attr.index()] = decode_uri(comp, attr)?;
            }
        }
        Self::from_attributes(attrs)
    }

    /// Reads the WFN notation, as the examples of NISTIR 7695 write it:
    /// `wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update=ANY]`.
    /// Attributes may come in any order and be left out (ANY); white space around the items is
    /// ignored. Inside the quotes a backslash quotes the next character and unquoted `*` and `?`
    /// are wildcards.
    pub fn parse_wfn(input: &str) -> Result<Self, CpeError> {
        check_len(input)?;
        let Some(body) = input.strip_prefix("wfn:[") else {
            return Err(wrong_prefix(input, "'wfn:['"));
        };
        let Some(body) = body.strip_suffix(']') else {
            return Err(CpeError::new(codes::INVALID_WFN, "a WFN ends with ']'"));
        };
        let bad = |m: String| CpeError::new(codes::INVALID_WFN, m);
        let b = body.as_bytes();
        let mut attrs: [Option<AttributeValue>; 11] = Default::default();
        let mut i = 0;
        let skip_ws = |i: &mut usize| {
            while b.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
            }
        };
        skip_ws(&mut i);
        while i < b.len() {
            let start = i;
            while b.get(i).is_some_and(|c| c.is_ascii_lowercase() || *c == b'_') {
                i += 1;
            }
            let name = &body[start..i];
            let attr = Attribute::from_name(name).ok_or_else(|| bad(format!("unknown attribute {name:?} at byte {start}")))?;
            skip_ws(&mut i);
            if b.get(i) != Some(&b'=') {
                return Err(bad(format!("expected '=' after {attr}")));
            }
            i += 1;
            skip_ws(&mut i);
            let value = if b.get(i..).is_some_and(|r| r.starts_with(b"ANY")) {
                i += 3;
                AttributeValue::Any
            } else if b.get(i..).is_some_and(|r| r.starts_with(b"NA")) {
                i += 2;
                AttributeValue::Na
            } else if b.get(i) == Some(&b'"') {
                i += 1;
                let mut toks = Vec::new();
                loop {
                    match b.get(i) {
                        None => return Err(bad(format!("unterminated value of {attr}"))),
                        Some(b'"') => break,
                        Some(b'\\') => match b.get(i + 1) {
                            Some(&c) if c.is_ascii_graphic() => {
                                toks.push(Tok::Lit(c));
                                i += 2;
                            }
                            _ => return Err(CpeError::new(codes::INVALID_ESCAPE, format!("a backslash in {attr} quotes nothing printable"))),
                        },
                        Some(b'*') => {
                            toks.push(Tok::Star);
                            i += 1;
                        }
                        Some(b'?') => {
                            toks.push(Tok::Question);
                            i += 1;
                        }
                        Some(&c) if c.is_ascii_graphic() => {
                            toks.push(Tok::Lit(c));
                            i += 1;
                        }
                        Some(_) => {
                            let c = body.get(i..).and_then(|r| r.chars().next()).unwrap_or('\u{fffd}');
                            return Err(illegal_char(c, 5 + i));
                        }
                    }
                }
                let shown = body.get(start..i).unwrap_or_default();
                i += 1;
                AttributeValue::Value(assemble(&toks, attr, shown)?)
            } else {
                return Err(bad(format!("the value of {attr} is not ANY, NA or a quoted string")));
            };
            if attrs[attr.index()].replace(value).is_some() {
                return Err(bad(format!("{attr} given twice")));
            }
            skip_ws(&mut i);
            match b.get(i) {
                None => {}
                Some(b',') => {
                    i += 1;
                    skip_ws(&mut i);
                    if i >= b.len() {
                        return Err(bad("a ',' with no attribute after it".to_string()));
                    }
                }
                Some(_) => return Err(bad(format!("expected ',' or ']' after {attr}"))),
            }
        }
        Self::from_attributes(attrs.map(Option::unwrap_or_default))
    }

    /// The attributes in binding order.
    pub fn attributes(&self) -> &[AttributeValue; 11] {
        &self.attrs
    }

    pub fn get(&self, attr: Attribute) -> &AttributeValue {
        &self.attrs[attr.index()]
    }

    /// Sets one attribute. Refused: a part other than ANY, `a`, `o` or `h`.
    pub fn set(&mut self, attr: Attribute, value: AttributeValue) -> Result<(), CpeError> {
        self.attrs[attr.index()] = if attr == Attribute::Part { check_part(value)? } else { value };
        Ok(())
    }

    /// [`Cpe::set`], by value.
    pub fn with(mut self, attr: Attribute, value: AttributeValue) -> Result<Self, CpeError> {
        self.set(attr, value)?;
        Ok(self)
    }

    pub fn part(&self) -> &AttributeValue {
        self.get(Attribute::Part)
    }
    pub fn vendor(&self) -> &AttributeValue {
        self.get(Attribute::Vendor)
    }
    pub fn product(&self) -> &AttributeValue {
        self.get(Attribute::Product)
    }
    pub fn version(&self) -> &AttributeValue {
        self.get(Attribute::Version)
    }
    pub fn update(&self) -> &AttributeValue {
        self.get(Attribute::Update)
    }
    pub fn edition(&self) -> &AttributeValue {
        self.get(Attribute::Edition)
    }
    pub fn language(&self) -> &AttributeValue {
        self.get(Attribute::Language)
    }
    pub fn sw_edition(&self) -> &AttributeValue {
        self.get(Attribute::SwEdition)
    }
    pub fn target_sw(&self) -> &AttributeValue {
        self.get(Attribute::TargetSw)
    }
    pub fn target_hw(&self) -> &AttributeValue {
        self.get(Attribute::TargetHw)
    }
    pub fn other(&self) -> &AttributeValue {
        self.get(Attribute::Other)
    }

    /// The URI binding (NISTIR 7695 section 6.1.2): ANY as an empty component, NA as `-`,
    /// punctuation percent-encoded (lower-case hex), `%01`/`%02` for the wildcards, the four
    /// extended attributes packed into the edition when any of them is not ANY, and trailing
    /// empty components dropped. Case is kept as it is in the name.
    pub fn to_uri(&self) -> String {
        let mut comps: Vec<String> = Vec::with_capacity(7);
        for attr in [Attribute::Part, Attribute::Vendor, Attribute::Product, Attribute::Version, Attribute::Update] {
            let mut s = String::new();
            self.get(attr).push_uri(&mut s);
            comps.push(s);
        }
        let extended = [Attribute::SwEdition, Attribute::TargetSw, Attribute::TargetHw, Attribute::Other];
        let mut edition = String::new();
        if extended.iter().all(|a| self.get(*a).is_any()) {
            self.edition().push_uri(&mut edition);
        } else {
            for attr in [Attribute::Edition, Attribute::SwEdition, Attribute::TargetSw, Attribute::TargetHw, Attribute::Other] {
                edition.push('~');
                self.get(attr).push_uri(&mut edition);
            }
        }
        comps.push(edition);
        let mut language = String::new();
        self.language().push_uri(&mut language);
        comps.push(language);
        while comps.last().is_some_and(String::is_empty) {
            comps.pop();
        }
        format!("cpe:/{}", comps.join(":"))
    }

    /// The WFN notation with all eleven attributes:
    /// `wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,…]`.
    pub fn to_wfn_string(&self) -> String {
        let items: Vec<String> = Attribute::ALL.iter().map(|a| format!("{}={}", a.name(), self.get(*a).to_wfn())).collect();
        format!("wfn:[{}]", items.join(","))
    }
}

/// The canonical formatted string (NISTIR 7695 section 6.2.2): all eleven components, letters,
/// digits, `_`, `.` and `-` as they are, every other character quoted with a backslash.
impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cpe:2.3")?;
        for a in &self.attrs {
            write!(f, ":{a}")?;
        }
        Ok(())
    }
}

impl FromStr for Cpe {
    type Err = CpeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Cpe {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cpe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One character of a component after unquoting or decoding.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    Star,
    Question,
}

fn starts_with_ci(b: &[u8], prefix: &[u8]) -> bool {
    b.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn check_len(input: &str) -> Result<(), CpeError> {
    if input.len() > MAX_CPE_LEN {
        return Err(CpeError::new(codes::TOO_LONG, format!("{} bytes; a CPE has at most {MAX_CPE_LEN}", input.len())));
    }
    Ok(())
}

fn illegal_char(c: char, at: usize) -> CpeError {
    let what = if c.is_whitespace() {
        "white space"
    } else if c.is_control() {
        "a control character"
    } else {
        "not ASCII"
    };
    CpeError::new(codes::ILLEGAL_CHARACTER, format!("{c:?} (U+{:04X}, {what}) at byte {at}; a CPE is printable ASCII", c as u32))
}

fn check_chars(s: &str) -> Result<(), CpeError> {
    match s.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
        Some((at, c)) => Err(illegal_char(c, at)),
        None => Ok(()),
    }
}

/// A short, escaped excerpt of untrusted input for a message.
fn excerpt(input: &str) -> String {
    let cut: String = input.chars().take(40).collect();
    if cut.len() < input.len() { format!("{cut:?}…") } else { format!("{cut:?}") }
}

fn wrong_prefix(input: &str, expected: &str) -> CpeError {
    let b = input.as_bytes();
    let hint = if starts_with_ci(b, b"cpe:2.2:") {
        "; CPE 2.2 names are written as URIs ('cpe:/a:vendor:product')"
    } else if starts_with_ci(b, b"pkg:") {
        "; that is a package URL"
    } else {
        ""
    };
    CpeError::new(codes::WRONG_PREFIX, format!("expected {expected}, found {}{hint}", excerpt(input)))
}

fn check_part(value: AttributeValue) -> Result<AttributeValue, CpeError> {
    match &value {
        AttributeValue::Any => Ok(value),
        AttributeValue::Value(v) if !v.has_wildcards() && matches!(v.literal.as_str(), "a" | "o" | "h" | "A" | "O" | "H") => {
            Ok(AttributeValue::Value(Value { leading: Wildcard::None, literal: v.literal.to_ascii_lowercase(), trailing: Wildcard::None }))
        }
        _ => Err(CpeError::new(
            codes::INVALID_PART,
            format!("part {:?} is not 'a' (application), 'o' (operating system), 'h' (hardware) or ANY", value.to_string()),
        )),
    }
}

/// Splits a formatted string's body at the colons that no backslash quotes.
fn split_fs(body: &str) -> Vec<&str> {
    let b = body.as_bytes();
    let mut out = Vec::with_capacity(11);
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b':' => {
                out.push(&body[start..i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push(&body[start.min(b.len())..]);
    out
}

fn fs_tokens(comp: &str, attr: Attribute) -> Result<Vec<Tok>, CpeError> {
    let b = comp.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => match b.get(i + 1) {
                Some(&c) => {
                    out.push(Tok::Lit(c));
                    i += 2;
                }
                None => {
                    return Err(CpeError::new(codes::INVALID_ESCAPE, format!("{attr} {comp:?} ends with a backslash that quotes nothing")));
                }
            },
            b'*' => {
                out.push(Tok::Star);
                i += 1;
            }
            b'?' => {
                out.push(Tok::Question);
                i += 1;
            }
            c => {
                out.push(Tok::Lit(c));
                i += 1;
            }
        }
    }
    Ok(out)
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// One URI component (not packed) as an attribute, after NISTIR 7695's `decode`.
fn decode_uri(comp: &str, attr: Attribute) -> Result<AttributeValue, CpeError> {
    match comp {
        "" => return Ok(AttributeValue::Any),
        "-" => return Ok(AttributeValue::Na),
        "%02" => return Ok(AttributeValue::Any),
        _ => {}
    }
    let b = comp.as_bytes();
    let mut toks = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let v = match (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
                    (Some(h), Some(l)) => h * 16 + l,
                    _ => {
                        return Err(CpeError::new(
                            codes::INVALID_PERCENT_ENCODING,
                            format!("{attr} {comp:?}: '%' at byte {i} is not followed by two hex digits"),
                        ));
                    }
                };
                toks.push(match v {
                    0x01 => Tok::Question,
                    0x02 => Tok::Star,
                    0x21..=0x7e => Tok::Lit(v.to_ascii_lowercase()),
                    _ => {
                        return Err(CpeError::new(
                            codes::INVALID_PERCENT_ENCODING,
                            format!("{attr} {comp:?}: %{v:02x} is not printable ASCII (only %01 and %02, the wildcards, encode other bytes)"),
                        ));
                    }
                });
                i += 3;
            }
            c @ (b'*' | b'?') => {
                let instead = if c == b'*' {
                    "%02 for the wildcard, %2a for a literal asterisk, or an empty component for ANY"
                } else {
                    "%01 for the wildcard, %3f for a literal"
                };
                return Err(CpeError::new(codes::ILLEGAL_CHARACTER, format!("{attr} {comp:?}: a raw '{}' in a URI; write {instead}", c as char)));
            }
            c => {
                toks.push(Tok::Lit(c.to_ascii_lowercase()));
                i += 1;
            }
        }
    }
    assemble(&toks, attr, comp).map(AttributeValue::Value)
}

/// Builds a value from its characters: an optional leading wildcard (one `*`, or a run of `?`), a
/// non-empty literal, an optional trailing wildcard of the same form.
fn assemble(toks: &[Tok], attr: Attribute, shown: &str) -> Result<Value, CpeError> {
    let n = toks.len();
    let mut i = 0;
    let leading = if toks.first() == Some(&Tok::Star) {
        i = 1;
        Wildcard::Star
    } else {
        while toks.get(i) == Some(&Tok::Question) {
            i += 1;
        }
        if i > 0 { Wildcard::Questions(i) } else { Wildcard::None }
    };
    let mut j = n;
    let trailing = if j > i && toks[j - 1] == Tok::Star {
        j -= 1;
        Wildcard::Star
    } else {
        let mut k = 0;
        while j > i && toks[j - 1] == Tok::Question {
            j -= 1;
            k += 1;
        }
        if k > 0 { Wildcard::Questions(k) } else { Wildcard::None }
    };
    let middle = &toks[i..j];
    if middle.is_empty() {
        return Err(CpeError::new(codes::WILDCARD_ONLY, format!("{attr} {shown:?} is wildcards alone; a value needs at least one literal character")));
    }
    let mut literal = String::with_capacity(middle.len());
    for t in middle {
        match t {
            Tok::Lit(c) if c.is_ascii_graphic() => literal.push(*c as char),
            Tok::Lit(c) => return Err(illegal_char(*c as char, 0)),
            Tok::Star | Tok::Question => {
                let w = if *t == Tok::Star { '*' } else { '?' };
                return Err(CpeError::new(
                    codes::EMBEDDED_WILDCARD,
                    format!("{attr} {shown:?} has an unquoted '{w}' inside it; wildcards may only begin or end a value (quote a literal one: '\\{w}')"),
                ));
            }
        }
    }
    Ok(Value { leading, literal, trailing })
}
