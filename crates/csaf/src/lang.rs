//! Language tags: test 6.1.12 (a well-formed and valid BCP 47 tag, RFC 5646) and test 6.1.28
//! (translation into another language).
//!
//! Well-formed is the grammar of RFC 5646 section 2.1; valid (section 2.2.9) adds that every
//! subtag exists in the IANA Language Subtag Registry (embedded from `data/`, see its README) or is
//! private use, that an extended language subtag follows its prefix, that no variant and no
//! extension singleton appears twice, and that extension singletons are registered (`t`, `u`).
//! So `EZ` (a region, not a language) and `en-US-US` fail, `de-CH-1996` and `x-private` pass.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;

use crate::json::{Sink, at, quote};

/// `type<TAB>subtag<TAB>prefixes` per line (prefixes separated by spaces), for the types language,
/// extlang, script, region and variant; ranges like `qaa..qtz` as written in the registry.
const REGISTRY: &str = include_str!("../data/language-subtags.tsv");

/// The grandfathered tags of RFC 5646 section 2.2.8, valid as whole tags.
const GRANDFATHERED: [&str; 26] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

/// The singletons of the IANA extension registry.
const EXTENSIONS: [&str; 2] = ["t", "u"];

#[derive(Default)]
struct Registry {
    /// (type, lower-case subtag)
    subtags: HashSet<(&'static str, String)>,
    /// (type, low, high) for ranges, lower case.
    ranges: Vec<(&'static str, String, String)>,
    /// extlang → its prefixes, lower case.
    extlang_prefixes: HashMap<String, Vec<String>>,
}

impl Registry {
    fn has(&self, kind: &str, subtag: &str) -> bool {
        let s = subtag.to_ascii_lowercase();
        self.subtags.contains(&(kind_static(kind), s.clone()))
            || self.ranges.iter().any(|(k, lo, hi)| *k == kind && s.len() == lo.len() && lo.as_str() <= s.as_str() && s.as_str() <= hi.as_str())
    }
}

fn kind_static(kind: &str) -> &'static str {
    match kind {
        "language" => "language",
        "extlang" => "extlang",
        "script" => "script",
        "region" => "region",
        _ => "variant",
    }
}

static SUBTAGS: LazyLock<Registry> = LazyLock::new(|| {
    let mut r = Registry::default();
    for line in REGISTRY.lines() {
        let mut f = line.split('\t');
        let (Some(kind), Some(subtag)) = (f.next(), f.next()) else { continue };
        let kind = kind_static(kind);
        let subtag = subtag.to_ascii_lowercase();
        if let Some((lo, hi)) = subtag.split_once("..") {
            r.ranges.push((kind, lo.to_string(), hi.to_string()));
            continue;
        }
        if kind == "extlang" {
            let prefixes = f.next().unwrap_or("").split(' ').filter(|p| !p.is_empty()).map(str::to_ascii_lowercase).collect();
            r.extlang_prefixes.insert(subtag.clone(), prefixes);
        }
        r.subtags.insert((kind, subtag));
    }
    r
});

fn alpha(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
}
fn alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}
fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a language tag; `Err` says why it is not well-formed or not valid.
pub(crate) fn check_tag(tag: &str) -> Result<(), String> {
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return Ok(());
    }
    let parts: Vec<&str> = tag.split('-').collect();
    let mut i = 0;
    let reg = &*SUBTAGS;
    let ill = |why: &str| Err(format!("not a well-formed language tag: {why}"));
    let private_use = |rest: &[&str]| -> Result<(), String> {
        if rest.is_empty() || !rest.iter().all(|p| alnum(p, 1, 8)) {
            return Err("not a well-formed language tag: a private use part needs subtags of 1 to 8 letters or digits".into());
        }
        Ok(())
    };
    if parts[0].eq_ignore_ascii_case("x") {
        return private_use(&parts[1..]);
    }
    // language
    let language = parts[0];
    if !alpha(language, 2, 8) {
        return ill("the primary language subtag must have 2 to 8 letters");
    }
    if !reg.has("language", language) {
        return Err(format!("{} is not a language subtag of the IANA registry", quote(language)));
    }
    i += 1;
    // extlang (up to three in the grammar, at most one in a valid tag)
    let mut extlangs = 0;
    while language.len() <= 3 && i < parts.len() && alpha(parts[i], 3, 3) && extlangs < 3 {
        let e = parts[i].to_ascii_lowercase();
        let Some(prefixes) = reg.extlang_prefixes.get(&e) else {
            return Err(format!("{} is not an extended language subtag of the IANA registry", quote(parts[i])));
        };
        if !prefixes.iter().any(|p| *p == language.to_ascii_lowercase()) {
            return Err(format!("the extended language subtag {} needs the prefix {}", quote(parts[i]), prefixes.join(" or ")));
        }
        extlangs += 1;
        i += 1;
    }
    if extlangs > 1 {
        return Err("a valid language tag has at most one extended language subtag".into());
    }
    // script
    if i < parts.len() && alpha(parts[i], 4, 4) {
        if !reg.has("script", parts[i]) {
            return Err(format!("{} is not a script subtag of the IANA registry", quote(parts[i])));
        }
        i += 1;
    }
    // region
    if i < parts.len() && (alpha(parts[i], 2, 2) || digits(parts[i], 3)) {
        if !reg.has("region", parts[i]) {
            return Err(format!("{} is not a region subtag of the IANA registry", quote(parts[i])));
        }
        i += 1;
    }
    // variants
    let mut variants = HashSet::new();
    while i < parts.len() && (alnum(parts[i], 5, 8) || (parts[i].len() == 4 && parts[i].as_bytes()[0].is_ascii_digit() && alnum(parts[i], 4, 4))) {
        if !reg.has("variant", parts[i]) {
            return Err(format!("{} is not a variant subtag of the IANA registry", quote(parts[i])));
        }
        if !variants.insert(parts[i].to_ascii_lowercase()) {
            return Err(format!("the variant {} appears twice", quote(parts[i])));
        }
        i += 1;
    }
    // extensions
    let mut singletons = HashSet::new();
    while i < parts.len() && parts[i].len() == 1 && !parts[i].eq_ignore_ascii_case("x") {
        let singleton = parts[i].to_ascii_lowercase();
        if !alnum(&singleton, 1, 1) {
            return ill("an extension starts with a letter or digit");
        }
        i += 1;
        let start = i;
        while i < parts.len() && alnum(parts[i], 2, 8) {
            i += 1;
        }
        if i == start {
            return ill("an extension needs at least one subtag of 2 to 8 letters or digits");
        }
        if !EXTENSIONS.contains(&singleton.as_str()) {
            return Err(format!("the extension {} is not registered", quote(&singleton)));
        }
        if !singletons.insert(singleton.clone()) {
            return Err(format!("the extension {} appears twice", quote(&singleton)));
        }
    }
    // private use
    if i < parts.len() && parts[i].eq_ignore_ascii_case("x") {
        return private_use(&parts[i + 1..]);
    }
    if i < parts.len() {
        return ill(&format!("unexpected subtag {}", quote(parts[i])));
    }
    Ok(())
}

/// 6.1.12 Language: `/document/lang` and `/document/source_lang` are valid language tags.
pub(crate) fn check_6_1_12(doc: &Value, sink: &mut Sink) {
    for key in ["lang", "source_lang"] {
        let Some(tag) = at(doc, &["document", key]).and_then(Value::as_str) else { continue };
        if let Err(why) = check_tag(tag) {
            sink.fail("6.1.12", format!("/document/{key}"), format!("{}: {why}", quote(tag)));
        }
    }
}

/// 6.1.28 Translation: the document language differs from the source language. Language tags are
/// compared ignoring case (RFC 5646 section 2.1.1: `en-US` and `en-us` are the same tag).
pub(crate) fn check_6_1_28(doc: &Value, sink: &mut Sink) {
    let lang = at(doc, &["document", "lang"]).and_then(Value::as_str);
    let source = at(doc, &["document", "source_lang"]).and_then(Value::as_str);
    if let (Some(lang), Some(source)) = (lang, source)
        && lang.eq_ignore_ascii_case(source)
    {
        sink.fail("6.1.28", "/document/source_lang", format!("the source language is the document language {}", quote(lang)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_tags() {
        for t in [
            "en",
            "en-US",
            "de-CH-1996",
            "zh-Hant-TW",
            "x-private",
            "i-klingon",
            "sr-Latn-RS",
            "es-419",
            "zh-yue-HK",
            "en-US-u-ca-gregory",
            "de-x-foo",
            "qaa",
            "EN-us",
            "sl-rozaj-biske",
            "de-fonipa",
        ] {
            assert_eq!(check_tag(t), Ok(()), "{t}");
        }
    }

    #[test]
    fn invalid_tags() {
        for t in [
            "EZ",
            "",
            "en-",
            "-en",
            "en--US",
            "en-US-US",
            "en-a-foo",
            "en-u",
            "de-1996-1996",
            "xx-ZZ",
            "zh-yue-yue",
            "ar-yue",
            "en-x",
            "en-US-u-ca-u-nu",
            "toolongtag",
            "e",
            "en_US",
            "1234",
        ] {
            assert!(check_tag(t).is_err(), "{t}");
        }
    }
}
