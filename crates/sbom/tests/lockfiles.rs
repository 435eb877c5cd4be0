//! Hand-written lockfile fixtures (testdata/lockfiles, testdata/generated): the exact components,
//! purls, scopes, edges and diagnostics each reader must produce.

use clearinghouse_sbom::{Format, Sbom, Scope, read};

fn load(path: &str, hint: &str) -> Sbom {
    let bytes = std::fs::read(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    read(&bytes, Some(hint)).unwrap_or_else(|d| panic!("{path}: {d}"))
}

type Row = (&'static str, Option<&'static str>, Option<&'static str>, Option<Scope>);
type OwnedRow = (String, Option<String>, Option<String>, Option<Scope>);

fn rows(s: &Sbom) -> Vec<OwnedRow> {
    s.components.iter().map(|c| (c.name.clone(), c.version.clone(), c.purl.clone(), c.scope)).collect()
}

fn expect(s: &Sbom, expected: &[Row]) {
    let want: Vec<OwnedRow> = expected.iter().map(|(n, v, p, sc)| (n.to_string(), v.map(str::to_string), p.map(str::to_string), *sc)).collect();
    assert_eq!(rows(s), want);
}

fn codes(s: &Sbom) -> Vec<(&str, &str)> {
    s.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect()
}

fn edges(s: &Sbom) -> Vec<(String, Vec<String>)> {
    s.dependencies.clone()
}

fn e(from: &str, to: &[&str]) -> (String, Vec<String>) {
    (from.to_string(), to.iter().map(|t| t.to_string()).collect())
}

use Scope::{Dev, Optional, Required};

#[test]
fn cargo_lock_v1() {
    let s = load("lockfiles/Cargo.v1.lock", "Cargo.lock");
    assert_eq!(s.format, Format::CargoLock { version: 1 });
    expect(
        &s,
        &[
            ("app", Some("0.1.0"), None, Some(Required)),
            ("libc", Some("0.2.40"), Some("pkg:cargo/libc@0.2.40"), Some(Required)),
            ("smallvec", Some("0.6.9"), Some("pkg:cargo/smallvec@0.6.9"), Some(Required)),
        ],
    );
    assert_eq!(edges(&s), vec![e("app@0.1.0", &["libc@0.2.40", "smallvec@0.6.9"])]);
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    assert_eq!(s.components[1].location, "line 9");
    assert_eq!(s.components[1].ecosystem_hint.as_deref(), Some("crates.io"));
    // Without a file name, the content says Cargo.lock too.
    let bytes = std::fs::read(format!("{}/testdata/lockfiles/Cargo.v1.lock", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(read(&bytes, None).unwrap().format, Format::CargoLock { version: 1 });
}

#[test]
fn cargo_lock_v3_git_and_path_sources_have_no_purl() {
    let s = load("lockfiles/Cargo.v3.lock", "Cargo.lock");
    assert_eq!(s.format, Format::CargoLock { version: 3 });
    expect(
        &s,
        &[
            ("app", Some("0.1.0"), None, Some(Required)),
            ("rand", Some("0.7.3"), Some("pkg:cargo/rand@0.7.3"), Some(Required)),
            ("rand", Some("0.8.5"), Some("pkg:cargo/rand@0.8.5"), Some(Required)),
            ("serde", Some("1.0.130"), None, Some(Required)),
            ("tool", Some("0.2.0"), None, Some(Required)),
        ],
    );
    assert!(s.components[3].note.as_deref().unwrap().starts_with("git source git+https://github.com/serde-rs/serde"));
    assert!(s.components[4].note.as_deref().unwrap().contains("local package"));
    assert_eq!(edges(&s), vec![e("app@0.1.0", &["rand@0.7.3", "rand@0.8.5", "serde@1.0.130", "tool@0.2.0"])]);
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn cargo_lock_v4_sparse_index_and_other_registry() {
    let s = load("lockfiles/Cargo.v4.lock", "Cargo.lock");
    assert_eq!(s.format, Format::CargoLock { version: 4 });
    expect(
        &s,
        &[
            ("private", Some("1.0.0"), None, Some(Required)),
            ("smallvec", Some("1.11.0+extra"), Some("pkg:cargo/smallvec@1.11.0%2Bextra"), Some(Required)),
            ("user", Some("0.1.0"), None, Some(Required)),
        ],
    );
    assert!(s.components[0].note.as_deref().unwrap().contains("not crates.io"));
    assert_eq!(edges(&s), vec![e("user@0.1.0", &["private@1.0.0", "smallvec@1.11.0+extra"])]);
}

#[test]
fn the_workspace_cargo_lock() {
    let bytes = std::fs::read(format!("{}/../../Cargo.lock", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let s = read(&bytes, Some("Cargo.lock")).unwrap();
    assert_eq!(s.format, Format::CargoLock { version: 4 });
    let serde_json = s.components.iter().find(|c| c.name == "serde_json").unwrap();
    assert!(serde_json.purl.as_deref().unwrap().starts_with("pkg:cargo/serde_json@1."));
    let me = s.components.iter().find(|c| c.name == "clearinghouse-sbom").unwrap();
    assert_eq!(me.purl, None);
    assert!(s.depends_on(me.bom_ref.as_deref().unwrap()).any(|d| d.starts_with("quick-xml@")));
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn package_lock_v1_tree_aliases_and_git() {
    let s = load("lockfiles/package-lock.v1.json", "package-lock.json");
    assert_eq!(s.format, Format::PackageLock { version: 1 });
    expect(
        &s,
        &[
            ("@types/node", Some("14.14.31"), Some("pkg:npm/%40types/node@14.14.31"), Some(Dev)),
            ("debug", Some("2.6.8"), Some("pkg:npm/debug@2.6.8"), Some(Required)),
            ("ms", Some("2.0.0"), Some("pkg:npm/ms@2.0.0"), Some(Required)),
            ("from-git", Some("git+https://github.com/example/from-git.git#0123456789abcdef0123456789abcdef01234567"), None, Some(Required)),
            ("fsevents", Some("2.3.2"), Some("pkg:npm/fsevents@2.3.2"), Some(Optional)),
            ("lodash", Some("4.17.21"), Some("pkg:npm/lodash@4.17.21"), Some(Required)),
        ],
    );
    assert_eq!(s.components[2].location, "/dependencies/debug/dependencies/ms");
    assert_eq!(s.components[5].location, "/dependencies/my-lodash");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn package_lock_v2_nested_scoped_aliased_linked() {
    let s = load("lockfiles/package-lock.v2.json", "package-lock.json");
    assert_eq!(s.format, Format::PackageLock { version: 2 });
    expect(
        &s,
        &[
            ("@scope/pkg", Some("1.2.3"), Some("pkg:npm/%40scope/pkg@1.2.3"), Some(Required)),
            ("b", Some("2.0.0"), Some("pkg:npm/b@2.0.0"), Some(Required)),
            ("a", Some("1.0.0"), Some("pkg:npm/a@1.0.0"), Some(Required)),
            ("real-name", Some("3.0.0"), Some("pkg:npm/real-name@3.0.0"), Some(Dev)),
            ("b", Some("1.5.0"), Some("pkg:npm/b@1.5.0"), Some(Dev)),
            ("gitdep", Some("1.0.0"), None, Some(Optional)),
            ("ws-a", Some("0.0.1"), None, Some(Required)),
        ],
    );
    // Node's resolution: the nested b for @scope/pkg, the top-level b for a, the link to the workspace.
    assert_eq!(
        edges(&s),
        vec![e("node_modules/@scope/pkg", &["node_modules/@scope/pkg/node_modules/b"]), e("node_modules/a", &["node_modules/b", "packages/ws-a"]),]
    );
    assert_eq!(s.components[1].location, "/packages/node_modules~1@scope~1pkg~1node_modules~1b");
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn package_lock_v3_written_by_npm() {
    let s = load("generated/npm-fixture.package-lock.json", "package-lock.json");
    assert_eq!(s.format, Format::PackageLock { version: 3 });
    expect(
        &s,
        &[
            ("@babel/helper-validator-identifier", Some("7.22.20"), Some("pkg:npm/%40babel/helper-validator-identifier@7.22.20"), Some(Required)),
            ("debug", Some("2.6.8"), Some("pkg:npm/debug@2.6.8"), Some(Required)),
            ("left-pad", Some("1.3.0"), Some("pkg:npm/left-pad@1.3.0"), Some(Dev)),
            ("lodash", Some("4.17.20"), Some("pkg:npm/lodash@4.17.20"), Some(Required)),
            ("minimist", Some("1.2.5"), Some("pkg:npm/minimist@1.2.5"), Some(Required)),
            ("ms", Some("2.0.0"), Some("pkg:npm/ms@2.0.0"), Some(Required)),
        ],
    );
    assert_eq!(edges(&s), vec![e("node_modules/debug", &["node_modules/ms"])]);
}

#[test]
fn requirements_pinned_lines_only() {
    let s = load("lockfiles/requirements.txt", "requirements.txt");
    assert_eq!(s.format, Format::Requirements);
    expect(
        &s,
        &[
            ("Django", Some("4.2.7"), Some("pkg:pypi/django@4.2.7"), None),
            ("requests", Some("2.31.0"), Some("pkg:pypi/requests@2.31.0"), None),
            ("Zope.Interface", Some("5.4.0"), Some("pkg:pypi/zope-interface@5.4.0"), None),
            ("ruamel.yaml.clib", Some("0.2.8"), Some("pkg:pypi/ruamel-yaml-clib@0.2.8"), None),
            ("PyYAML", Some("6.0.1"), Some("pkg:pypi/pyyaml@6.0.1"), None),
        ],
    );
    let locations: Vec<&str> = s.components.iter().map(|c| c.location.as_str()).collect();
    assert_eq!(locations, ["line 4", "line 5", "line 6", "line 7", "line 15"]);
    assert_eq!(s.components[1].note.as_deref(), Some("environment marker: python_version >= \"3.8\""));
    assert_eq!(
        codes(&s),
        vec![
            ("not_followed", "line 2"),
            ("not_pinned", "line 10"),
            ("not_pinned", "line 11"),
            ("not_pinned", "line 12"),
            ("not_pinned", "line 13"),
            ("not_pinned", "line 14"),
        ]
    );
    // requirements-dev.txt and constraints.txt are requirement files too.
    assert_eq!(read(b"a==1\n", Some("deps/requirements-dev.txt")).unwrap().components.len(), 1);
}

#[test]
fn poetry_lock() {
    let s = load("lockfiles/poetry.lock", "poetry.lock");
    assert_eq!(s.format, Format::PoetryLock { version: Some("2.0".into()) });
    expect(
        &s,
        &[
            ("certifi", Some("2024.2.2"), Some("pkg:pypi/certifi@2024.2.2"), Some(Required)),
            ("Requests", Some("2.31.0"), Some("pkg:pypi/requests@2.31.0"), Some(Required)),
            ("charset-normalizer", Some("3.3.2"), Some("pkg:pypi/charset-normalizer@3.3.2"), Some(Optional)),
            ("pytest", Some("8.0.0"), Some("pkg:pypi/pytest@8.0.0"), Some(Dev)),
            ("internal-lib", Some("0.3.0"), None, Some(Required)),
            ("company_tool", Some("1.0.0"), Some("pkg:pypi/company-tool@1.0.0"), Some(Required)),
        ],
    );
    assert_eq!(edges(&s), vec![e("requests@2.31.0", &["certifi@2024.2.2", "charset-normalizer@3.3.2"])]);
    assert!(s.components[4].note.as_deref().unwrap().starts_with("git source"));
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn go_mod_requires_and_replaces() {
    let s = load("lockfiles/go.mod", "go.mod");
    assert_eq!(s.format, Format::GoMod);
    expect(
        &s,
        &[
            ("github.com/BurntSushi/toml", Some("v1.3.2"), Some("pkg:golang/github.com/burntsushi/toml@v1.3.2"), None),
            ("golang.org/x/net", Some("v0.17.0"), Some("pkg:golang/golang.org/x/net@v0.17.0"), None),
            ("github.com/pkg/errors", Some("v0.9.1"), Some("pkg:golang/github.com/pkg/errors@v0.9.1"), None),
            ("gopkg.in/yaml.v3", Some("v3.0.1"), Some("pkg:golang/gopkg.in/yaml.v3@v3.0.1"), None),
            ("github.com/new/module", Some("v1.1.0"), Some("pkg:golang/github.com/new/module@v1.1.0"), None),
            ("github.com/quoted/module", Some("v2.1.0+incompatible"), Some("pkg:golang/github.com/quoted/module@v2.1.0%2Bincompatible"), None),
            ("github.com/local/fork", Some("v0.5.0"), None, None),
            ("github.com/go-chi/chi/v5", Some("v5.0.10"), Some("pkg:golang/github.com/go-chi/chi/v5@v5.0.10"), None),
        ],
    );
    assert_eq!(s.components[2].note.as_deref(), Some("indirect"));
    assert_eq!(s.components[4].note.as_deref(), Some("replaces github.com/old/module@v1.0.0"));
    assert_eq!(s.components[6].note.as_deref(), Some("replaced by the local folder ../fork: no registry purl"));
    assert_eq!(s.components[0].location, "line 7");
    assert!(s.components.iter().all(|c| c.purl.is_none() || c.ecosystem_hint.as_deref() == Some("Go")));
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn gemfile_lock_sections_and_platforms() {
    let s = load("lockfiles/Gemfile.lock", "Gemfile.lock");
    assert_eq!(s.format, Format::GemfileLock);
    expect(
        &s,
        &[
            ("private_gem", Some("0.1.0"), None, None),
            ("myapp", Some("1.0.0"), None, None),
            ("mini_portile2", Some("2.8.5"), Some("pkg:gem/mini_portile2@2.8.5"), None),
            ("nokogiri", Some("1.15.4"), Some("pkg:gem/nokogiri@1.15.4"), None),
            ("nokogiri", Some("1.15.4"), Some("pkg:gem/nokogiri@1.15.4?platform=x86_64-linux"), None),
            ("racc", Some("1.7.3"), Some("pkg:gem/racc@1.7.3"), None),
            ("rack", Some("2.2.8"), Some("pkg:gem/rack@2.2.8"), None),
            ("jruby-openssl", Some("0.14.2"), Some("pkg:gem/jruby-openssl@0.14.2?platform=java"), None),
        ],
    );
    assert_eq!(
        edges(&s),
        vec![
            e("private_gem@0.1.0", &["rack@2.2.8"]),
            e("nokogiri@1.15.4", &["mini_portile2@2.8.5", "racc@1.7.3"]),
            e("nokogiri@1.15.4-x86_64-linux", &["racc@1.7.3"]),
        ]
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn composer_lock_packages_and_dev() {
    let s = load("lockfiles/composer.lock", "composer.lock");
    assert_eq!(s.format, Format::ComposerLock);
    expect(
        &s,
        &[
            ("Monolog/Monolog", Some("2.9.1"), Some("pkg:composer/monolog/monolog@2.9.1"), Some(Required)),
            ("psr/log", Some("3.0.0"), Some("pkg:composer/psr/log@3.0.0"), Some(Required)),
            ("symfony/console", Some("v6.3.4"), Some("pkg:composer/symfony/console@v6.3.4"), Some(Required)),
            ("phpunit/phpunit", Some("10.4.2"), Some("pkg:composer/phpunit/phpunit@10.4.2"), Some(Dev)),
        ],
    );
    assert_eq!(edges(&s), vec![e("monolog/monolog", &["psr/log"])]);
    assert_eq!(s.components[3].location, "/packages-dev/0");
    // Recognised by content without the file name.
    let bytes = std::fs::read(format!("{}/testdata/lockfiles/composer.lock", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(read(&bytes, None).unwrap().format, Format::ComposerLock);
}
