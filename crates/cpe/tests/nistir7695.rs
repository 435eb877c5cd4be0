//! NISTIR 7695 (CPE 2.3 Naming): the binding and unbinding examples of sections 6.1.2, 6.1.3, 6.2.2,
//! 6.2.3 and 7, written from the document as WFN notation ⇄ binding pairs, and the
//! refusals the unbinding procedures specify. The PDF is not in the shared data: the pairs were
//! transcribed from knowledge of the document, and the binding rules they exercise are the
//! document's pseudo-code. The WFN side is read with `Cpe::parse_wfn`, so each
//! case states the attribute values exactly as the document prints them.

use clearinghouse_cpe::{Attribute, AttributeValue, Cpe, Value, Wildcard, codes};

fn wfn(s: &str) -> Cpe {
    Cpe::parse_wfn(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn parse(s: &str) -> Cpe {
    Cpe::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn refused(s: &str) -> String {
    match Cpe::parse(s) {
        Ok(c) => panic!("{s} parsed as {c}"),
        Err(e) => e.code,
    }
}

/// Section 6.1.2: binding a WFN to a URI.
#[test]
fn bind_to_uri_examples() {
    let cases = [
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
        ),
        (r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?"]"#, "cpe:/a:microsoft:internet_explorer:8.%02:sp%01"),
        (
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
        ),
        (
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:/a:hp:openview_network_manager:7.51::~~~linux~~",
        ),
        (
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_manager_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~",
        ),
    ];
    for (w, uri) in cases {
        let name = wfn(w);
        assert_eq!(name.to_uri(), uri, "{w}");
        assert_eq!(parse(uri), name, "{uri} unbinds to {w}");
    }
}

/// Section 6.1.3: unbinding a URI, including the two refusals.
#[test]
fn unbind_uri_examples() {
    let cases = [
        (
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY]"#,
        ),
        // Percent-encoded `*` and `?` are literal characters, quoted in the WFN ...
        ("cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f", r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp\?"]"#),
        // ... while %02 and %01 are the wildcards.
        ("cpe:/a:microsoft:internet_explorer:8.%02:sp%01", r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?"]"#),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=ANY,edition=ANY,sw_edition="online",target_sw="win2003",target_hw="x64",other=ANY,language=ANY]"#,
        ),
        (
            "cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~",
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",update=NA,edition=ANY,sw_edition=ANY,target_sw="linux",target_hw=ANY,other=ANY,language=ANY]"#,
        ),
        // An unpacked edition may hold a literal `~`, quoted in the WFN; %7e is the same character.
        ("cpe:/a:foo~bar:big%7emoney_2010", r#"wfn:[part="a",vendor="foo\~bar",product="big\~money_2010"]"#),
    ];
    for (uri, w) in cases {
        assert_eq!(parse(uri), wfn(w), "{uri}");
    }
    // %07 is not a character a CPE may hold.
    assert_eq!(refused("cpe:/a:foo%5cbar:big%24money_2010%07:::~~special~ipod_touch~80gb~"), codes::INVALID_PERCENT_ENCODING);
    // %02 (an unquoted `*`) in the middle of a value.
    assert_eq!(refused("cpe:/a:foo:bar:12.%02.1234"), codes::EMBEDDED_WILDCARD);
}

/// Section 6.2.2: binding a WFN to a formatted string.
#[test]
fn bind_to_formatted_string_examples() {
    let cases = [
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
        ),
        (
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
        ),
        (
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
        ),
        (
            r#"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*",
        ),
        (
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            r"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
        ),
    ];
    for (w, fs) in cases {
        let name = wfn(w);
        assert_eq!(name.to_string(), fs, "{w}");
        assert_eq!(parse(fs), name, "{fs} unbinds to {w}");
    }
}

/// Section 6.2.3: unbinding formatted strings.
#[test]
fn unbind_formatted_string_examples() {
    let cases = [
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#,
        ),
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
            r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?"]"#,
        ),
        // A quoted asterisk is a literal one; part ANY.
        (
            r"cpe:2.3:*:microsoft:internet_explorer:8.\*:sp?:*:*:*:*:*:*",
            r#"wfn:[part=ANY,vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp?"]"#,
        ),
        (
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
            r#"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
        ),
        (
            r"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
            r#"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
        ),
    ];
    for (fs, w) in cases {
        assert_eq!(parse(fs), wfn(w), "{fs}");
    }
}

/// Section 7: converting between the bindings goes through the WFN.
#[test]
fn conversions_between_bindings() {
    let uri_to_fs = [
        ("cpe:/a:microsoft:internet_explorer:8.0.6001:beta", "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"),
        ("cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f", r"cpe:2.3:a:microsoft:internet_explorer:8.\*:sp\?:*:*:*:*:*:*"),
        ("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~", "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*"),
        (
            "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~",
            r"cpe:2.3:a:foo\\bar:big\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*",
        ),
    ];
    for (uri, fs) in uri_to_fs {
        assert_eq!(parse(uri).to_string(), fs, "{uri}");
        assert_eq!(parse(fs).to_uri(), uri, "{fs}");
    }
}

/// The quoting rules of the formatted string: what is quoted, what is not, and what reads back.
#[test]
fn formatted_string_quoting() {
    let c = parse(r"cpe:2.3:a:foo\:bar:big\$money:1.0\+beta:*:*:*:*:*:*:*");
    assert_eq!(c.vendor().literal(), Some("foo:bar"));
    assert_eq!(c.product().literal(), Some("big$money"));
    assert_eq!(c.version().literal(), Some("1.0+beta"));
    assert_eq!(c.to_string(), r"cpe:2.3:a:foo\:bar:big\$money:1.0\+beta:*:*:*:*:*:*:*");
    assert_eq!(c.to_uri(), "cpe:/a:foo%3abar:big%24money:1.0%2bbeta");
    assert_eq!(c.vendor().as_value().map(Value::to_wfn).as_deref(), Some(r"foo\:bar"));

    // Unquoted punctuation is quoted on the way in, as `add_quoting` does: `c++` is `c\+\+`.
    let gpp = parse("cpe:2.3:a:gnu:g++:12.2:*:*:*:*:*:*:*");
    assert_eq!(gpp.product().literal(), Some("g++"));
    assert_eq!(gpp.to_string(), r"cpe:2.3:a:gnu:g\+\+:12.2:*:*:*:*:*:*:*");
    // `.`, `-` and `_` need no quoting in a formatted string; quoting them changes nothing.
    assert_eq!(parse(r"cpe:2.3:a:x:y\-z:1\.0\_1:*:*:*:*:*:*:*"), parse("cpe:2.3:a:x:y-z:1.0_1:*:*:*:*:*:*:*"));
    // A quoted alphanumeric is the character itself.
    assert_eq!(parse(r"cpe:2.3:a:x:\y:1:*:*:*:*:*:*:*"), parse("cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"));
    // A lone quoted hyphen is the value "-", not NA, in every binding.
    let dash = parse(r"cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*");
    assert_eq!(dash.version(), &AttributeValue::value("-").unwrap());
    assert_eq!(dash.to_string(), r"cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*");
    assert_eq!(dash.to_uri(), "cpe:/a:x:y:%2d");
    assert_eq!(parse(&dash.to_uri()), dash);
    assert_eq!(
        dash.to_wfn_string(),
        r#"wfn:[part="a",vendor="x",product="y",version="\-",update=ANY,edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#
    );
}

/// Wildcards at the ends of values: `*` once, `?` in runs; both ends at once.
#[test]
fn wildcards_at_the_ends() {
    let c = parse("cpe:2.3:a:*soft:??ernet_explorer*:8.0.*:sp??:*:*:*:*:*:*");
    let v = c.vendor().as_value().unwrap();
    assert_eq!((v.leading(), v.literal(), v.trailing()), (Wildcard::Star, "soft", Wildcard::None));
    let p = c.product().as_value().unwrap();
    assert_eq!((p.leading(), p.literal(), p.trailing()), (Wildcard::Questions(2), "ernet_explorer", Wildcard::Star));
    let u = c.update().as_value().unwrap();
    assert_eq!((u.leading(), u.literal(), u.trailing()), (Wildcard::None, "sp", Wildcard::Questions(2)));
    assert_eq!(c.to_uri(), "cpe:/a:%02soft:%01%01ernet_explorer%02:8.0.%02:sp%01%01");
    assert_eq!(parse(&c.to_uri()), c);
    assert_eq!(c.to_string(), "cpe:2.3:a:*soft:??ernet_explorer*:8.0.*:sp??:*:*:*:*:*:*");
}

#[test]
fn case_is_kept_in_formatted_strings_and_lowered_in_uris() {
    let fs = parse("CPE:2.3:A:Microsoft:Internet_Explorer:8.0:*:*:*:*:*:*:*");
    assert_eq!(fs.part().literal(), Some("a"));
    assert_eq!(fs.vendor().literal(), Some("Microsoft"));
    assert_eq!(fs.to_string(), "cpe:2.3:a:Microsoft:Internet_Explorer:8.0:*:*:*:*:*:*:*");
    let uri = parse("CPE:/A:Microsoft:Internet_Explorer:8.0");
    assert_eq!(uri.vendor().literal(), Some("microsoft"));
    assert!(clearinghouse_cpe::is_equal(&fs, &uri));
    assert_ne!(fs, uri);
}

#[test]
fn short_uris_leave_the_rest_any() {
    assert_eq!(parse("cpe:/"), Cpe::any());
    assert_eq!(Cpe::any().to_uri(), "cpe:/");
    assert_eq!(Cpe::any().to_string(), "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*");
    let c = parse("cpe:/o:redhat:enterprise_linux:8");
    assert_eq!(c.to_string(), "cpe:2.3:o:redhat:enterprise_linux:8:*:*:*:*:*:*:*");
    // An empty middle component and a trailing colon are ANY too.
    assert_eq!(parse("cpe:/o:redhat::8:"), parse("cpe:2.3:o:redhat:*:8:*:*:*:*:*:*:*"));
    // The language in a URI.
    let lang = parse("cpe:/a:vendor:product:1.0:sp1:pro:en-us");
    assert_eq!(lang.language().literal(), Some("en-us"));
    assert_eq!(lang.to_string(), "cpe:2.3:a:vendor:product:1.0:sp1:pro:en-us:*:*:*:*");
    assert_eq!(lang.to_uri(), "cpe:/a:vendor:product:1.0:sp1:pro:en-us");
}

#[test]
fn attribute_accessors_and_building() {
    let c = Cpe::any()
        .with(Attribute::Part, AttributeValue::value("A").unwrap())
        .and_then(|c| c.with(Attribute::Vendor, AttributeValue::value("apache").unwrap()))
        .and_then(|c| c.with(Attribute::Product, AttributeValue::value("log4j").unwrap()))
        .and_then(|c| c.with(Attribute::Version, AttributeValue::Value(Value::with_wildcards(Wildcard::None, "2.", Wildcard::Star).unwrap())))
        .unwrap();
    assert_eq!(c.to_string(), "cpe:2.3:a:apache:log4j:2.*:*:*:*:*:*:*:*");
    assert_eq!(Attribute::ALL.map(|a| a.index()), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(Attribute::SwEdition.name(), "sw_edition");
    assert_eq!(Cpe::any().with(Attribute::Part, AttributeValue::Na).unwrap_err().code, codes::INVALID_PART);
    assert_eq!(Cpe::any().with(Attribute::Part, AttributeValue::value("x").unwrap()).unwrap_err().code, codes::INVALID_PART);
    assert_eq!(Value::new("").unwrap_err().code, codes::EMPTY_COMPONENT);
    assert_eq!(Value::new("has space").unwrap_err().code, codes::ILLEGAL_CHARACTER);
    assert_eq!(Value::with_wildcards(Wildcard::Star, "", Wildcard::None).unwrap_err().code, codes::WILDCARD_ONLY);
    assert_eq!(Value::with_wildcards(Wildcard::Questions(0), "x", Wildcard::Questions(0)).unwrap(), Value::new("x").unwrap());
    assert_eq!(Value::with_wildcards(Wildcard::Questions(usize::MAX), "x", Wildcard::None).unwrap_err().code, codes::TOO_LONG);
}

#[test]
fn serde_uses_the_formatted_string() {
    let c = parse("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~");
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(json, "\"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*\"");
    assert_eq!(serde_json::from_str::<Cpe>(&json).unwrap(), c);
    assert_eq!(serde_json::from_str::<Cpe>("\"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~\"").unwrap(), c);
    let err = serde_json::from_str::<Cpe>("\"cpe:2.3:a:b\"").unwrap_err().to_string();
    assert!(err.contains(codes::WRONG_COMPONENT_COUNT), "{err}");
}

#[test]
fn refusals() {
    let cases: &[(&str, &str)] = &[
        // Prefixes.
        ("", codes::WRONG_PREFIX),
        ("pkg:npm/left-pad@1.0.0", codes::WRONG_PREFIX),
        ("cpe:2.2:a:vendor:product", codes::WRONG_PREFIX),
        ("cpe:a:vendor:product", codes::WRONG_PREFIX),
        ("wfn:[part=\"a\"]", codes::WRONG_PREFIX),
        // Component counts.
        ("cpe:2.3:a:vendor:product:1.0", codes::WRONG_COMPONENT_COUNT),
        ("cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*:*", codes::WRONG_COMPONENT_COUNT),
        ("cpe:2.3:", codes::WRONG_COMPONENT_COUNT),
        ("cpe:/a:vendor:product:1.0:update:edition:en:extra", codes::WRONG_COMPONENT_COUNT),
        // Parts.
        ("cpe:2.3:x:vendor:product:1.0:*:*:*:*:*:*:*", codes::INVALID_PART),
        ("cpe:2.3:-:vendor:product:1.0:*:*:*:*:*:*:*", codes::INVALID_PART),
        ("cpe:2.3:a?:vendor:product:1.0:*:*:*:*:*:*:*", codes::INVALID_PART),
        ("cpe:2.3:app:vendor:product:1.0:*:*:*:*:*:*:*", codes::INVALID_PART),
        ("cpe:/x:vendor", codes::INVALID_PART),
        ("cpe:/-:vendor", codes::INVALID_PART),
        // Characters.
        ("cpe:2.3:a:vendor:pro duct:1.0:*:*:*:*:*:*:*", codes::ILLEGAL_CHARACTER),
        ("cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*\n", codes::ILLEGAL_CHARACTER),
        ("cpe:2.3:a:vendör:product:1.0:*:*:*:*:*:*:*", codes::ILLEGAL_CHARACTER),
        ("cpe:2.3:a:vendor:product:1.0\0:*:*:*:*:*:*:*", codes::ILLEGAL_CHARACTER),
        ("cpe:/a:vendor:product:*", codes::ILLEGAL_CHARACTER),
        ("cpe:/a:vendor:product:1.?", codes::ILLEGAL_CHARACTER),
        ("cpe:/a:ven dor", codes::ILLEGAL_CHARACTER),
        // Wildcards in the middle, or alone.
        ("cpe:2.3:a:vendor:product:1.*.2:*:*:*:*:*:*:*", codes::EMBEDDED_WILDCARD),
        ("cpe:2.3:a:vendor:product:1.?.2:*:*:*:*:*:*:*", codes::EMBEDDED_WILDCARD),
        ("cpe:2.3:a:vendor:product:**1:*:*:*:*:*:*:*", codes::EMBEDDED_WILDCARD),
        ("cpe:2.3:a:vendor:product:*?1:*:*:*:*:*:*:*", codes::EMBEDDED_WILDCARD),
        ("cpe:2.3:a:vendor:product:1?*:*:*:*:*:*:*:*", codes::EMBEDDED_WILDCARD),
        ("cpe:/a:vendor:product:1%01%02", codes::EMBEDDED_WILDCARD),
        ("cpe:2.3:a:vendor:product:??:*:*:*:*:*:*:*", codes::WILDCARD_ONLY),
        ("cpe:2.3:a:vendor:product:**:*:*:*:*:*:*:*", codes::WILDCARD_ONLY),
        ("cpe:/a:vendor:product:%01", codes::WILDCARD_ONLY),
        // Quoting and encoding.
        ("cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:x\\", codes::INVALID_ESCAPE),
        ("cpe:/a:vendor:product:1%2", codes::INVALID_PERCENT_ENCODING),
        ("cpe:/a:vendor:product:1%zz", codes::INVALID_PERCENT_ENCODING),
        ("cpe:/a:vendor:product:1%20", codes::INVALID_PERCENT_ENCODING),
        ("cpe:/a:vendor:product:1%ff", codes::INVALID_PERCENT_ENCODING),
        // Empty components and packed editions.
        ("cpe:2.3:a:vendor:product::*:*:*:*:*:*:*", codes::EMPTY_COMPONENT),
        ("cpe:/a:vendor:product:1:2:~a~b", codes::INVALID_PACKED_EDITION),
        ("cpe:/a:vendor:product:1:2:~a~b~c~d~e~f", codes::INVALID_PACKED_EDITION),
    ];
    for (input, code) in cases {
        assert_eq!(refused(input), *code, "{input:?}");
    }
}

#[test]
fn error_messages_say_what_and_where() {
    let e = Cpe::parse("cpe:2.3:a:vendor:product:1.*.2:*:*:*:*:*:*:*").unwrap_err();
    assert!(e.message.contains("version") && e.message.contains("1.*.2"), "{e}");
    let e = Cpe::parse("cpe:2.3:a:vendör:product:1:*:*:*:*:*:*:*").unwrap_err();
    assert!(e.message.contains("U+00F6") && e.message.contains("byte 14"), "{e}");
    let e = Cpe::parse("cpe:2.3:a:vendor:product:1.0").unwrap_err();
    assert!(e.message.contains("found 4"), "{e}");
    let e = Cpe::parse("cpe:2.2:a:b").unwrap_err();
    assert!(e.message.contains("URI"), "{e}");
    let d = e.to_diagnostic("/components/3/cpe");
    assert_eq!((d.code.as_str(), d.pointer.as_str()), (codes::WRONG_PREFIX, "/components/3/cpe"));
    let d: clearinghouse_model::Diagnostic = e.into();
    assert_eq!(d.pointer, "");
}

#[test]
fn length_cap() {
    let base = "cpe:2.3:a:vendor:";
    let tail = ":1.0:*:*:*:*:*:*:*";
    let fill = clearinghouse_cpe::MAX_CPE_LEN - base.len() - tail.len();
    let exact = format!("{base}{}{tail}", "p".repeat(fill));
    assert_eq!(exact.len(), 1024);
    assert_eq!(parse(&exact).to_string(), exact);
    let over = format!("{base}{}{tail}", "p".repeat(fill + 1));
    assert_eq!(refused(&over), codes::TOO_LONG);
    assert_eq!(Cpe::parse_wfn(&"x".repeat(5000)).unwrap_err().code, codes::TOO_LONG);
}

#[test]
fn wfn_notation() {
    let c = wfn(r#"wfn:[part="a", vendor="microsoft", product="internet_explorer", version="8\.0\.6001", update="beta", edition=NA]"#);
    assert_eq!(c.to_string(), "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:-:*:*:*:*:*");
    assert_eq!(Cpe::parse_wfn(&c.to_wfn_string()).unwrap(), c);
    assert_eq!(wfn("wfn:[]"), Cpe::any());
    for bad in [
        "wfn:[part=\"a\"",
        "wfn:[part=\"a\",]",
        "wfn:[part=\"a\",part=\"o\"]",
        "wfn:[colour=\"red\"]",
        "wfn:[vendor=microsoft]",
        "wfn:[vendor=\"microsoft]",
        "wfn:[vendor=\"a\" product=\"b\"]",
    ] {
        assert_eq!(Cpe::parse_wfn(bad).unwrap_err().code, codes::INVALID_WFN, "{bad}");
    }
    assert_eq!(Cpe::parse_wfn("wfn:[part=\"x\"]").unwrap_err().code, codes::INVALID_PART);
    assert_eq!(Cpe::parse_wfn("wfn:[vendor=\"a*b\"]").unwrap_err().code, codes::EMBEDDED_WILDCARD);
    assert_eq!(Cpe::parse_wfn("wfn:[vendor=\"a b\"]").unwrap_err().code, codes::ILLEGAL_CHARACTER);
}
