//! Text, package and location normalisation: the words and tagged names that two reporters of the same bug
//! are likely to share, whatever their spelling, punctuation, versions or line numbers.
//!
//! Everything here is part of the band-key contract (see the crate documentation): a change to what a word
//! becomes changes the fingerprints, so it needs a new [`crate::FINGERPRINT_VERSION`].

/// Bytes of one piece of text looked at by [`words`]; longer text is cut at a character boundary.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Words kept from one piece of text.
pub const MAX_WORDS: usize = 4096;
/// Characters kept of one word (a longer run of letters is cut).
pub const MAX_WORD_CHARS: usize = 64;
/// Bytes of one package name or purl looked at.
pub const MAX_PACKAGE_BYTES: usize = 512;
/// Bytes of one location looked at.
pub const MAX_LOCATION_BYTES: usize = 1024;

/// Words that carry no meaning on their own in English prose. Deliberately small: words such as `not`,
/// `no`, `before`, `after` or `without` change what a sentence says about a bug and stay.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could", "do", "does", "for", "from", "has", "have", "if", "in", "into",
    "is", "it", "its", "may", "might", "of", "on", "or", "so", "such", "than", "that", "the", "their", "then", "there", "these", "this", "those", "to", "v",
    "was", "were", "when", "where", "which", "while", "will", "with", "would",
];

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Han ideographs and Japanese kana: scripts written without spaces, where each character is taken as a
/// word (Hangul is written with spaces and is split like Latin text).
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x3134F) // CJK Extensions B to G
}

/// The normalised words of `text`, in order:
/// - lower-cased (Unicode), split on every character that is not a letter or a digit (Unicode-aware:
///   `é`, `ß`, Cyrillic or Greek letters are letters; Han and kana characters are one word each);
///   punctuation, underscores and symbols separate words (`CWE122_Heap_Based` is `cwe 122 heap based`);
/// - split where letters meet digits (`CWE-122`, `CWE122` and `cwe_122` all give `cwe 122`; `x509` gives
///   `x 509`), so the spelling of an identifier matters less;
/// - numbers kept, with leading zeros dropped (`01` is `1`), dotted numbers kept whole (`1.6.0`),
///   thousands separators removed (`10,000` is `10000`); hexadecimal constants longer than 8 digits
///   (addresses in crash output, which differ between runs) dropped;
/// - apostrophes inside words removed and a possessive `'s` dropped (`don't` is `dont`, `parser's` is
///   `parser`);
/// - a few security abbreviations and spellings written out (`UAF` is `use after free`, `OOB` is
///   `out of bounds`, `overread` is `over read`, `behaviour` is `behavior`; see [`EXPANSIONS`]);
/// - the stop words (`the`, `of`, `in`, `a`, `v`, ...) dropped;
/// - a light suffix stemmer applied (`overflows`, `overflowed`, `overflowing` are `overflow`; see
///   [`stem`]).
///
/// At most [`MAX_TEXT_BYTES`] of input and [`MAX_WORDS`] words; never panics.
pub fn words(text: &str) -> Vec<String> {
    let text = truncate(text, MAX_TEXT_BYTES);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut run = String::new();
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_WORDS {
        let c = chars[i];
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        if is_unspaced_script(c) {
            flush(&mut run, &mut out);
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            run.extend(c.to_lowercase());
        } else if c == '.' && !run.is_empty() && prev.is_ascii_digit() && next.is_ascii_digit() {
            run.push('.');
        } else if c == ',' && !run.is_empty() && prev.is_ascii_digit() && is_thousands_group(&chars[i + 1..]) {
            // `10,000`: the comma goes, the digits stay together.
        } else if (c == '\'' || c == '\u{2019}') && !run.is_empty() && prev.is_alphabetic() && next.is_alphabetic() {
            let after = chars.get(i + 2).copied().unwrap_or(' ');
            if (next == 's' || next == 'S') && !after.is_alphanumeric() {
                i += 1; // possessive 's: skip the s too
            }
        } else {
            flush(&mut run, &mut out);
        }
        i += 1;
    }
    flush(&mut run, &mut out);
    out.truncate(MAX_WORDS);
    out
}

/// Three digits and then no digit: the group after a thousands separator.
fn is_thousands_group(rest: &[char]) -> bool {
    rest.len() >= 3 && rest[..3].iter().all(char::is_ascii_digit) && !rest.get(3).is_some_and(char::is_ascii_digit)
}

/// Turns one run of letters, digits and inner dots into words (see [`words`]).
fn flush(run: &mut String, out: &mut Vec<String>) {
    if run.is_empty() {
        return;
    }
    let token = std::mem::take(run);
    if let Some(hex) = token.strip_prefix("0x")
        && !hex.is_empty()
        && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        if hex.len() <= 8 {
            out.push(token);
        }
        return;
    }
    // Split where letters meet digits; a digit segment may hold inner dots (`1.6.0`).
    let mut segment = String::new();
    let mut numeric = false;
    for c in token.chars() {
        let is_num = c.is_ascii_digit() || (c == '.' && numeric);
        if !segment.is_empty() && is_num != numeric {
            push_segment(&segment, numeric, out);
            segment.clear();
        }
        numeric = is_num;
        segment.push(c);
    }
    push_segment(&segment, numeric, out);
}

fn push_segment(segment: &str, numeric: bool, out: &mut Vec<String>) {
    if segment.is_empty() || out.len() >= MAX_WORDS {
        return;
    }
    if numeric {
        out.push(normalize_number(segment));
        return;
    }
    let word: String = segment.chars().take(MAX_WORD_CHARS).collect();
    if let Some((_, expansion)) = EXPANSIONS.iter().find(|(abbr, _)| *abbr == word) {
        for w in *expansion {
            push_word(w.to_string(), out);
        }
    } else {
        push_word(word, out);
    }
}

fn push_word(word: String, out: &mut Vec<String>) {
    if out.len() >= MAX_WORDS || STOP_WORDS.contains(&word.as_str()) {
        return;
    }
    let word = stem(word);
    if !word.is_empty() {
        out.push(word);
    }
}

/// `007` is `7`, `1.06.0` is `1.6.0`, `0` stays `0`.
fn normalize_number(segment: &str) -> String {
    let segment = segment.trim_end_matches('.');
    let parts: Vec<&str> = segment.split('.').map(|p| if p.is_empty() { "0" } else { p.trim_start_matches('0') }).collect();
    let parts: Vec<&str> = parts.into_iter().map(|p| if p.is_empty() { "0" } else { p }).collect();
    let mut s = parts.join(".");
    if s.len() > MAX_WORD_CHARS {
        s.truncate(MAX_WORD_CHARS); // digits and dots: ASCII, any cut is a boundary
    }
    s
}

/// A light suffix stemmer, so that reworded reports meet on the same words: `overflows`, `overflowed` and
/// `overflowing` are `overflow`; `free`, `freed` and `freeing` are `fre`; `allocate`, `allocated`,
/// `allocates` and `allocating` are `allocat`; `copies` and `copied` are `copy`. Rules, in order, for
/// words of letters only:
/// 1. `ies`/`ied` → `y` (when 5 letters or more); else a plural `s` dropped (not after `s`, `u` or `i`:
///    `access`, `status`, `analysis` stay);
/// 2. `ing` or `ed` dropped when at least 3 letters with a vowel remain (`string`, `need`, `bed` stay),
///    and then a doubled final consonant other than `l`, `s`, `z` undoubled (`mapped` → `map`);
/// 3. a final `e` dropped when at least 3 letters remain (`use` → `us`, `parse` → `pars`).
///
/// Anything cleverer (Porter) would have to be frozen as part of the band keys too; this is enough for
/// the inflections reports differ in.
pub fn stem(mut word: String) -> String {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word;
    }
    let n = word.len();
    if n >= 5 && (word.ends_with("ies") || word.ends_with("ied")) {
        word.truncate(n - 3);
        word.push('y');
        return word;
    }
    if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") && !word.ends_with("is") {
        word.truncate(n - 1);
    }
    for suffix in ["ing", "ed"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.len() >= 3
            && stem.bytes().any(|b| b"aeiouy".contains(&b))
        {
            let mut stem = stem.to_string();
            let b = stem.as_bytes();
            let k = b.len();
            if b[k - 1] == b[k - 2] && !b"aeioulsz".contains(&b[k - 1]) {
                stem.truncate(k - 1);
            }
            word = stem;
            break;
        }
    }
    if word.len() > 3 && word.ends_with('e') {
        word.truncate(word.len() - 1);
    }
    word
}

/// Abbreviations and spellings that reports use for the same thing, written out (before stemming and stop
/// words): `UAF` is `use after free`, `OOB` is `out of bounds`, `over-read` and `overread` meet as
/// `over read`, British spellings as American ones.
pub const EXPANSIONS: &[(&str, &[&str])] = &[
    ("uaf", &["use", "after", "free"]),
    ("oob", &["out", "of", "bounds"]),
    ("npd", &["null", "pointer", "dereference"]),
    ("nullptr", &["null", "pointer"]),
    ("deref", &["dereference"]),
    ("dos", &["denial", "of", "service"]),
    ("rce", &["remote", "code", "execution"]),
    ("xss", &["cross", "site", "scripting"]),
    ("csrf", &["cross", "site", "request", "forgery"]),
    ("ssrf", &["server", "side", "request", "forgery"]),
    ("sqli", &["sql", "injection"]),
    ("segfault", &["segmentation", "fault"]),
    ("segv", &["segmentation", "fault"]),
    ("sigsegv", &["segmentation", "fault"]),
    ("overread", &["over", "read"]),
    ("underread", &["under", "read"]),
    ("overwrite", &["over", "write"]),
    ("underwrite", &["under", "write"]),
    ("overrun", &["over", "run"]),
    ("underrun", &["under", "run"]),
    ("behaviour", &["behavior"]),
    ("initialise", &["initialize"]),
    ("initialised", &["initialized"]),
    ("sanitise", &["sanitize"]),
    ("sanitised", &["sanitized"]),
];

/// Decodes `%XX` escapes (as package URLs write `@` in npm scopes); a malformed escape is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A package as a comparable name: a package URL becomes `type/namespace/name` (no `pkg:`, version,
/// qualifiers or subpath, percent-escapes decoded: `pkg:npm/%40angular/core@1.0.0?x=y` is
/// `npm/@angular/core`); a plain name is kept without a trailing `@version` or ` version`
/// (`lodash@4.17.21` and `lodash 4.17.21` are `lodash`). Lower-cased, whitespace trimmed; `None` when
/// nothing is left.
pub fn normalize_package(package: &str) -> Option<String> {
    let p = truncate(package.trim(), MAX_PACKAGE_BYTES);
    let lower = p.to_lowercase();
    let name = if let Some(rest) = lower.strip_prefix("pkg:") {
        let rest = rest.trim_start_matches('/');
        let rest = rest.split(['#', '?']).next().unwrap_or("");
        // The version follows the last `@` of the last path segment (a scope's `@` is escaped as %40).
        let (path, last) = match rest.rfind('/') {
            Some(slash) => (&rest[..slash + 1], &rest[slash + 1..]),
            None => ("", rest),
        };
        let last = last.split('@').next().unwrap_or("");
        percent_decode(&format!("{path}{last}"))
    } else {
        let first = lower.split_whitespace().next().unwrap_or("");
        // `name@version`, but not a leading `@scope/name`.
        match first.char_indices().skip(1).find(|&(_, c)| c == '@') {
            Some((at, _)) => first[..at].to_string(),
            None => first.to_string(),
        }
    };
    let name = name.trim_matches('/').to_string();
    if name.chars().any(char::is_alphanumeric) { Some(name) } else { None }
}

/// The last `/`-separated segment of a normalised package: the bare name (`gin` for
/// `golang/github.com/gin-gonic/gin` and for `github.com/gin-gonic/gin`), so that a purl and a plain name
/// of the same package share a feature.
pub fn package_basename(normalized: &str) -> &str {
    normalized.rsplit('/').next().unwrap_or(normalized)
}

/// A location (a source file, a function, a Go symbol or import path, a URL to a line) as a comparable
/// string: lower-cased, `\` as `/`, a repository URL cut to the path after `/blob/<ref>/` or
/// `/tree/<ref>/`, line anchors (`#L12`, `#L12-L20`) and trailing `:line` or `:line:column` dropped
/// (`src/foo.c:123` is `src/foo.c`), a trailing argument list dropped (`parse_header()` and
/// `parse_header(int)` are `parse_header`), leading `./` and `/` dropped. `None` when nothing is left.
pub fn normalize_location(location: &str) -> Option<String> {
    let mut s = truncate(location.trim(), MAX_LOCATION_BYTES).to_lowercase().replace('\\', "/");
    for marker in ["/blob/", "/tree/"] {
        if let Some(at) = s.find(marker) {
            let after = &s[at + marker.len()..];
            // skip the ref (branch, tag or commit)
            s = after.split_once('/').map(|(_, path)| path.to_string()).unwrap_or_default();
        }
    }
    if let Some(hash) = s.find("#l") {
        s.truncate(hash);
    }
    // Trailing `:line` and `:line:col` (at most two numeric groups).
    for _ in 0..2 {
        if let Some(colon) = s.rfind(':') {
            let tail = &s[colon + 1..];
            if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) {
                s.truncate(colon);
            }
        }
    }
    // A trailing argument list: `f()`, `f(int, char*)`.
    if s.ends_with(')')
        && let Some(open) = s.find('(')
    {
        s.truncate(open);
    }
    let s = s.trim().trim_start_matches("./").trim_start_matches('/').trim_end_matches('/').trim();
    if s.chars().any(char::is_alphanumeric) { Some(s.to_string()) } else { None }
}

/// The last path segment of a normalised location (`foo.c` for `src/x/foo.c`).
pub fn location_basename(normalized: &str) -> &str {
    normalized.rsplit('/').next().unwrap_or(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn words_lowercase_split_and_drop_stop_words() {
        assert_eq!(w("The Heap-Buffer overflow in parse_header()!"), ["heap", "buffer", "overflow", "pars", "header"]);
        assert_eq!(w("  multiple   spaces\t\nand\r\nlines "), ["multipl", "spac", "lin"]);
    }

    #[test]
    fn identifiers_split_where_letters_meet_digits() {
        assert_eq!(w("CWE-122"), w("CWE122"));
        assert_eq!(w("cwe_122"), ["cwe", "122"]);
        assert_eq!(w("x509 certificates"), ["x", "509", "certificat"]);
    }

    #[test]
    fn numbers_are_kept_and_normalised() {
        assert_eq!(w("test 01 and 007"), ["test", "1", "7"]);
        assert_eq!(w("before v1.6.0."), ["befor", "1.6.0"]);
        assert_eq!(w("10,000 entries, 3, 4"), ["10000", "entry", "3", "4"]);
        assert_eq!(w("read 0x602000000010 flag 0x7f"), ["read", "flag", "0x7f"]);
    }

    #[test]
    fn apostrophes_and_inflections() {
        assert_eq!(w("the parser's buffer doesn't grow"), ["parser", "buffer", "doesnt", "grow"]);
        assert_eq!(w("access status analysis string need bed"), ["access", "status", "analysis", "string", "need", "bed"]);
        for group in [
            &["overflow", "overflows", "overflowed", "overflowing"][..],
            &["free", "freed", "freeing", "frees"],
            &["allocate", "allocated", "allocates", "allocating"],
            &["copy", "copies", "copied"],
            &["map", "mapped", "mapping"],
            &["crash", "crashes", "crashed"],
            &["parse", "parsed", "parses", "parsing"],
        ] {
            let stems: Vec<Vec<String>> = group.iter().map(|g| w(g)).collect();
            assert!(stems.windows(2).all(|p| p[0] == p[1]), "{group:?}: {stems:?}");
        }
    }

    #[test]
    fn expansions() {
        assert_eq!(w("UAF"), w("use after free"));
        assert_eq!(w("OOB read"), w("out-of-bounds read"));
        assert_eq!(w("heap overread"), w("heap over-read"));
        assert_eq!(w("undefined behaviour"), w("undefined behavior"));
    }

    #[test]
    fn unicode_letters_and_unspaced_scripts() {
        assert_eq!(w("Überlauf im Puffer"), ["überlauf", "im", "puffer"]);
        assert_eq!(w("缓冲区溢出"), ["缓", "冲", "区", "溢", "出"]);
        assert_eq!(w("переполнение буфера"), ["переполнение", "буфера"]);
    }

    #[test]
    fn packages() {
        assert_eq!(normalize_package("pkg:npm/%40angular/core@1.0.0?x=y#sub").as_deref(), Some("npm/@angular/core"));
        assert_eq!(normalize_package("pkg:golang/github.com/gin-gonic/gin@v1.5.0").as_deref(), Some("golang/github.com/gin-gonic/gin"));
        assert_eq!(normalize_package("pkg:cargo/smallvec").as_deref(), Some("cargo/smallvec"));
        assert_eq!(normalize_package("Lodash@4.17.21").as_deref(), Some("lodash"));
        assert_eq!(normalize_package("openssl 3.0.1").as_deref(), Some("openssl"));
        assert_eq!(normalize_package("@babel/core").as_deref(), Some("@babel/core"));
        assert_eq!(normalize_package("  ").as_deref(), None);
        assert_eq!(normalize_package("pkg:").as_deref(), None);
        assert_eq!(package_basename("golang/github.com/gin-gonic/gin"), "gin");
    }

    #[test]
    fn locations() {
        assert_eq!(normalize_location("src/foo.c:123").as_deref(), Some("src/foo.c"));
        assert_eq!(normalize_location("./src/foo.c:123:7").as_deref(), Some("src/foo.c"));
        assert_eq!(normalize_location("C:\\work\\src\\Foo.c").as_deref(), Some("c:/work/src/foo.c"));
        assert_eq!(normalize_location("https://github.com/o/r/blob/0123abc/src/foo.c#L10-L12").as_deref(), Some("src/foo.c"));
        assert_eq!(
            normalize_location("CWE122_Heap_Based_Buffer_Overflow__CWE131_loop_01_bad()").as_deref(),
            Some("cwe122_heap_based_buffer_overflow__cwe131_loop_01_bad")
        );
        assert_eq!(normalize_location("compress/gzip.Reader.Read").as_deref(), Some("compress/gzip.reader.read"));
        assert_eq!(normalize_location(":12").as_deref(), None);
        assert_eq!(location_basename("src/x/foo.c"), "foo.c");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(10);
        assert_eq!(truncate(&s, 5), "éé");
        let long = "ab ".repeat(MAX_TEXT_BYTES);
        assert!(words(&long).len() <= MAX_WORDS);
    }
}
