//! `clearinghouse validate`, run as a user would: every Juliet case of `../shared/data/juliet` as a
//! bundle (vulnerable and fixed), the example bundles of the README's walkthrough, and bad bundles.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

fn validate(bundle: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::new(common::BIN).arg("validate").arg(bundle).arg("--json").args(extra).output().expect("running clearinghouse validate");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn juliet() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/juliet");
    if dir.join("expected.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} not found (the shared Juliet data)", dir.display());
        None
    }
}

const FLAGS: &str = "gcc -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -DINCLUDEMAIN";

/// A bundle for one Juliet case, as a finder would send it: the report claims `claimed` (a crash
/// kind, or any crash when the finder did not say), and the fixed variant is the good() build.
fn juliet_bundle(juliet: &Path, case: &str, claimed: Option<&str>, into: &Path) {
    let src = into.join("src");
    std::fs::create_dir_all(src.join("testcasesupport")).unwrap();
    std::fs::copy(juliet.join("testcases").join(case), src.join(case)).unwrap();
    for f in ["io.c", "std_testcase.h", "std_testcase_io.h"] {
        std::fs::copy(juliet.join("testcasesupport").join(f), src.join("testcasesupport").join(f)).unwrap();
    }
    let oracle = match claimed {
        Some(kind) => format!("type = \"sanitizer\"\nkind = \"{kind}\""),
        None => "type = \"crash\"".to_owned(),
    };
    let manifest = format!(
        "format = 1\nname = \"{case}\"\n[build]\ncommands = [\"{FLAGS} -DOMITGOOD -Itestcasesupport {case} testcasesupport/io.c -lpthread -o poc\"]\n\
         [run]\ncommand = [\"./poc\"]\n[oracle]\n{oracle}\n\
         [fixed]\ndir = \"src\"\ncommands = [\"{FLAGS} -DOMITBAD -Itestcasesupport {case} testcasesupport/io.c -lpthread -o poc\"]\n"
    );
    std::fs::write(into.join("bundle.toml"), manifest).unwrap();
}

struct Expected {
    case: String,
    vulnerable: Option<String>,
    fixed: Option<String>,
}

fn expected(juliet: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(juliet.join("expected.tsv")).unwrap();
    let kind = |s: &str| (s != "-").then(|| s.to_owned());
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Expected { case: f[0].to_owned(), vulnerable: kind(f[2]), fixed: kind(f[4]) }
        })
        .collect()
}

/// Every case: the verdict and kind expected.tsv implies for the vulnerable build, `fix_verified`
/// for the fixed build of every reproducing case (the CWE416 leaks as separate findings), and no
/// non-reproducing proof ever `reproduced`.
#[test]
fn every_juliet_case_comes_out_as_expected_tsv_says() {
    let Some(juliet) = juliet() else { return };
    let cases = expected(&juliet);
    assert_eq!(cases.len(), 41, "expected.tsv lists 41 cases");
    let scratch = tempfile::tempdir().unwrap();
    let queue = Arc::new(Mutex::new(cases.into_iter().enumerate().collect::<Vec<_>>()));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    // Two at a time: each validation is a chain of builds and runs, one process at a time.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (queue, failures, juliet, scratch) = (queue.clone(), failures.clone(), juliet.clone(), scratch.path().to_path_buf());
            std::thread::spawn(move || {
                while let Some((i, case)) = queue.lock().unwrap().pop() {
                    let dir = scratch.join(format!("case-{i}"));
                    // The finder's claim: the kind the case really shows, or (for the cases where no
                    // sanitizer fires) the CWE's obvious kind, which must then not reproduce.
                    juliet_bundle(&juliet, &case.case, case.vulnerable.as_deref(), &dir);
                    let (code, v, stderr) = validate(&dir, &[]);
                    let mut problems = Vec::new();
                    if code != 0 {
                        problems.push(format!("exit {code}: {stderr}"));
                    }
                    let verdict = v["verdict"].as_str().unwrap_or("?");
                    match &case.vulnerable {
                        Some(kind) => {
                            if verdict != "reproduced" || v["reproduced_runs"] != 3 || v["signature"]["kind"] != kind.as_str() {
                                problems.push(format!(
                                    "vulnerable: {verdict}, {} runs, kind {} (want reproduced {kind})",
                                    v["reproduced_runs"], v["signature"]["kind"]
                                ));
                            }
                            if v["fix"]["verdict"] != "fix_verified" {
                                problems.push(format!("fixed: {} ({})", v["fix"]["verdict"], v["fix"]["reason"]));
                            }
                            let others: Vec<&str> = v["fix"]["other_findings"].as_array().into_iter().flatten().filter_map(|f| f["kind"].as_str()).collect();
                            let want_others: Vec<&str> = case.fixed.iter().map(String::as_str).collect();
                            if others != want_others {
                                problems.push(format!("fixed variant's other findings {others:?}, want {want_others:?}"));
                            }
                        }
                        None => {
                            if verdict != "not_reproduced" {
                                problems.push(format!("vulnerable: {verdict} (want not_reproduced: no sanitizer fires)"));
                            }
                            if v["fix"]["verdict"] != "not_tested" {
                                problems.push(format!("fix {} for a proof that did not reproduce", v["fix"]["verdict"]));
                            }
                        }
                    }
                    if !problems.is_empty() {
                        failures.lock().unwrap().push(format!("{}: {}", case.case, problems.join("; ")));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(failures.is_empty(), "{} of 41 cases wrong:\n{}", failures.len(), failures.join("\n"));
}

/// A claim that names the wrong kind does not reproduce, even though the program crashes.
#[test]
fn a_claim_of_the_wrong_kind_is_not_reproduced() {
    let Some(juliet) = juliet() else { return };
    let dir = tempfile::tempdir().unwrap();
    juliet_bundle(&juliet, "CWE415_Double_Free__malloc_free_char_01.c", Some("asan:heap-use-after-free"), dir.path());
    let (code, v, stderr) = validate(dir.path(), &["--runs", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["verdict"], "not_reproduced");
    assert_eq!(v["runs"], 1);
    assert_eq!(v["evidence"][0]["crashes"][0]["kind"], "asan:double-free", "the evidence still shows what happened");
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles").join(name)
}

/// The README's walkthrough: the example bundles give the verdicts examples/bundles/README.md states.
#[test]
fn the_example_bundles_give_their_documented_verdicts() {
    let (code, v, stderr) = validate(&example("juliet-cwe416-use-after-free"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!((v["verdict"].as_str(), v["runs"].as_u64(), v["reproduced_runs"].as_u64()), (Some("reproduced"), Some(3), Some(3)));
    assert_eq!(v["signature"]["kind"], "asan:heap-use-after-free");
    assert!(v["signature"]["frames"].as_array().unwrap().iter().any(|f| f == "CWE416_Use_After_Free__malloc_free_char_01_bad"), "{}", v["signature"]);
    assert_eq!(v["fix"]["verdict"], "fix_verified");
    assert_eq!(v["fix"]["other_findings"][0]["kind"], "lsan:memory-leak");
    assert_eq!(v["sandbox"]["backend"], "namespaces");
    assert_eq!(v["sandbox"]["seccomp"], true);
    assert!(v["sandbox"]["landlock_abi"].as_i64().unwrap() >= 1);

    let (code, v, _) = validate(&example("juliet-cwe476-null-deref"), &[]);
    assert_eq!((code, v["verdict"].as_str(), v["signature"]["kind"].as_str()), (0, Some("reproduced"), Some("ubsan:null-pointer-use")));
    assert_eq!(v["fix"]["verdict"], "not_tested");

    let (code, v, _) = validate(&example("juliet-cwe122-heap-overflow"), &[]);
    assert_eq!((code, v["verdict"].as_str(), v["fix"]["verdict"].as_str()), (0, Some("reproduced"), Some("fix_verified")));

    let (code, v, stderr) = validate(&example("hostile-escape"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["verdict"], "not_reproduced", "something escaped: {}", v["evidence"][0]["stdout"]["tail"]);
    let stdout = v["evidence"][0]["stdout"]["tail"].as_str().unwrap();
    assert_eq!(stdout.matches("refused:").count(), 13, "every attempt is refused and listed: {stdout}");
}

/// People get a summary; the exit code is 0 whatever the verdict.
#[test]
fn the_human_output_names_the_verdict_and_the_signature() {
    let out = Command::new(common::BIN).arg("validate").arg(example("juliet-cwe476-null-deref")).args(["--runs", "1"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("verdict:   reproduced (1 of 1 runs)"), "{text}");
    assert!(text.contains("ubsan:null-pointer-use"), "{text}");
}

/// A bundle that fails to build is a verdict (exit 0); an invalid bundle is an error (exit 2) with
/// every problem listed.
#[test]
fn build_failures_are_verdicts_and_invalid_bundles_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/poc.c"), "int main(void) { return syntax error; }\n").unwrap();
    std::fs::write(
        dir.path().join("bundle.toml"),
        "format = 1\n[build]\ncommands = [\"gcc -o poc poc.c\"]\n[run]\ncommand = [\"./poc\"]\n[oracle]\ntype = \"exit_code\"\ncode = 1\n",
    )
    .unwrap();
    let (code, v, stderr) = validate(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["verdict"], "build_failed");
    assert_eq!(v["runs"], 0);
    assert!(v["build"]["log_tail"].as_str().unwrap().contains("error"), "{}", v["build"]);

    std::fs::write(
        dir.path().join("bundle.toml"),
        "format = 7\n[run]\ncommand = []\nruns = 99\n[oracle]\ntype = \"signal\"\nsignal = \"SIGNOPE\"\n[fixed]\npatch = \"../../etc/passwd\"\n",
    )
    .unwrap();
    let (code, v, stderr) = validate(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(v, Value::Null, "nothing on stdout");
    for pointer in ["/format", "/run/command", "/run/runs", "/oracle/signal", "/fixed/patch"] {
        assert!(stderr.contains(pointer), "{pointer} missing from: {stderr}");
    }

    let (code, _, stderr) = validate(&dir.path().join("absent"), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bundle.toml"), "{stderr}");
}

const OVERFLOW: &str =
    "#include <stdlib.h>\n#include <string.h>\nint main(void) {\n    char *p = malloc(8);\n    memset(p, 'A', 9);\n    free(p);\n    return 0;\n}\n";
const OVERFLOW_FIX: &str = "--- a/poc.c\n+++ b/poc.c\n@@ -2,6 +2,6 @@\n #include <string.h>\n int main(void) {\n     char *p = malloc(8);\n-    memset(p, 'A', 9);\n+    memset(p, 'A', 8);\n     free(p);\n     return 0;\n }\n";

/// A fixed variant given as a patch is applied in the sandbox to a copy of the source; a patch that
/// does not fix the bug is fix_not_verified, one that does not apply is a fixed build that failed.
#[test]
fn a_fix_given_as_a_patch_is_applied_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/poc.c"), OVERFLOW).unwrap();
    let manifest = "format = 1\n[build]\ncommands = [\"gcc -g -fsanitize=address -o poc poc.c\"]\n[run]\ncommand = [\"./poc\"]\nruns = 2\n\
                    [oracle]\ntype = \"sanitizer\"\nkind = \"asan:heap-buffer-overflow\"\nframes = [\"main\"]\n[fixed]\npatch = \"fix.patch\"\n";
    std::fs::write(dir.path().join("bundle.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("fix.patch"), OVERFLOW_FIX).unwrap();
    let (code, v, stderr) = validate(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!((v["verdict"].as_str(), v["reproduced_runs"].as_u64()), (Some("reproduced"), Some(2)));
    assert_eq!(v["fix"]["verdict"], "fix_verified", "{}", v["fix"]);
    assert_eq!(v["fix"]["runs"], 2);

    // A "fix" that changes nothing that matters.
    std::fs::write(dir.path().join("fix.patch"), OVERFLOW_FIX.replace("'A', 8", "'B', 9")).unwrap();
    let (_, v, _) = validate(dir.path(), &[]);
    assert_eq!(v["fix"]["verdict"], "fix_not_verified", "{}", v["fix"]);
    assert_eq!(v["fix"]["claim_seen_runs"], 2);

    // A patch that does not apply.
    std::fs::write(dir.path().join("fix.patch"), "--- a/other.c\n+++ b/other.c\n@@ -1 +1 @@\n-x\n+y\n").unwrap();
    let (_, v, _) = validate(dir.path(), &[]);
    assert_eq!(v["fix"]["verdict"], "fix_not_verified");
    assert!(v["fix"]["reason"].as_str().unwrap().contains("did not build"), "{}", v["fix"]);
}

/// The bubblewrap backend gives the same verdict, when bwrap is installed.
#[test]
fn the_bubblewrap_backend_gives_the_same_verdict() {
    if Command::new("bwrap").arg("--version").output().is_err() {
        eprintln!("SKIPPED: bwrap is not installed (Debian: apt-get install bubblewrap); .ci/run installs it");
        return;
    }
    let (code, v, stderr) = validate(&example("juliet-cwe416-use-after-free"), &["--sandbox", "bwrap", "--runs", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["sandbox"]["backend"], "bubblewrap");
    assert_eq!((v["verdict"].as_str(), v["signature"]["kind"].as_str()), (Some("reproduced"), Some("asan:heap-use-after-free")));
    assert_eq!(v["fix"]["verdict"], "fix_verified");
    let (_, v, _) = validate(&example("hostile-escape"), &["--sandbox", "bwrap"]);
    assert_eq!(v["verdict"], "not_reproduced", "something escaped bwrap: {}", v["evidence"][0]["stdout"]["tail"]);
}
