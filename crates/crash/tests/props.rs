//! Property tests: no output panics the analysis, and every crash it returns is well formed: a kind, at most
//! the configured number of one-line frames, a signature that matches them. Inputs are random strings and
//! real reports from `testdata/` cut, spliced and scrambled.

use clearinghouse_crash::{Analysis, Exit, MAX_INPUT_BYTES, MAX_LINES, MAX_REPORTS, Options, analyse, analyse_bytes, analyse_with, codes};
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    include_str!("../testdata/asan_heap_buffer_overflow.txt"),
    include_str!("../testdata/asan_segv.txt"),
    include_str!("../testdata/asan_stack_use_after_scope.txt"),
    include_str!("../testdata/asan_uaf_then_lsan.txt"),
    include_str!("../testdata/ubsan_index_gcc12.txt"),
    include_str!("../testdata/ubsan_signed_overflow.txt"),
    include_str!("../testdata/msan_uninit.txt"),
    include_str!("../testdata/tsan_data_race.txt"),
    include_str!("../testdata/rust_panic_old.txt"),
    include_str!("../testdata/rust_panic_new.txt"),
    include_str!("../testdata/go_panic_nested.txt"),
    include_str!("../testdata/go_fatal_error.txt"),
    include_str!("../testdata/python_chained.txt"),
];

fn check(analysis: &Analysis, max_frames: usize) -> Result<(), TestCaseError> {
    prop_assert!(analysis.reports.len() <= MAX_REPORTS + 1);
    for crash in &analysis.reports {
        prop_assert!(!crash.kind.is_empty() && crash.kind.contains(':'), "kind {:?}", crash.kind);
        prop_assert!(crash.frames.len() <= max_frames);
        prop_assert!(crash.frames.iter().all(|f| !f.is_empty() && !f.contains('\n') && f.len() <= 512), "frames {:?}", crash.frames);
        prop_assert!(crash.signature_is_consistent());
    }
    prop_assert!(analysis.diagnostics.iter().all(|d| !d.code.is_empty() && !d.message.is_empty()));
    Ok(())
}

fn exit() -> impl Strategy<Value = Exit> {
    prop_oneof![any::<i32>().prop_map(Exit::Code), any::<i32>().prop_map(Exit::Signal), Just(Exit::Timeout), Just(Exit::Unknown)]
}

/// A real report, mutated: a random cut, a random insertion, and some lines dropped or repeated.
fn mutated_sample() -> impl Strategy<Value = String> {
    (0..SAMPLES.len(), any::<usize>(), any::<usize>(), ".{0,40}", prop::collection::vec((any::<usize>(), 0u8..3), 0..6)).prop_map(
        |(i, cut, at, insert, edits)| {
            let mut lines: Vec<String> = SAMPLES[i].lines().map(str::to_string).collect();
            for (pos, op) in edits {
                if lines.is_empty() {
                    break;
                }
                let pos = pos % lines.len();
                match op {
                    0 => {
                        lines.remove(pos);
                    }
                    1 => {
                        let copy = lines[pos].clone();
                        lines.insert(pos, copy);
                    }
                    _ => {
                        let next = (pos + 1) % lines.len();
                        lines.swap(pos, next);
                    }
                }
            }
            let mut text = lines.join("\n");
            let boundary = |s: &str, n: usize| (0..=n.min(s.len())).rev().find(|&k| s.is_char_boundary(k)).unwrap_or(0);
            let at = boundary(&text, at % (text.len() + 1));
            text.insert_str(at, &insert);
            // Keep at least half, so that most cases still hold a report to read.
            let cut = boundary(&text, (cut % (text.len() + 1)).max(text.len() / 2));
            text.truncate(cut);
            text
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(s in any::<String>(), exit in exit()) {
        check(&analyse(&s, exit), 5)?;
    }

    #[test]
    fn report_alphabet_strings_never_panic(s in "((==[0-9]+==)?(ERROR: |WARNING: )?(AddressSanitizer|LeakSanitizer|ThreadSanitizer|MemorySanitizer): [a-zA-Z -]{0,20}\n|    #[0-9]{1,2} (0x[0-9a-f]{1,8} )?(in )?[A-Za-z_:<>(){}\\[\\], &*+#.-]{0,30}( /[a-z/]{0,10}\\.c:[0-9]{1,3}(:[0-9]{1,2})?)?( \\([a-z/.]{0,10}\\+0x[0-9a-f]{1,4}\\))?\n|thread '[a-z]{0,5}' (\\([0-9]+\\) )?panicked at [^\n]{0,20}\n|stack backtrace:\n| {0,3}[0-9]{1,2}: [^\n]{0,30}\n|panic: [^\n]{0,10}\n|goroutine [0-9] \\[running\\]:\n|[a-z.()*]{0,15}\n|\t/[a-z/.]{0,10}:[0-9]+ \\+0x[0-9a-f]+\n|Traceback \\(most recent call last\\):\n|  File \"[a-z/.<>]{0,10}\", line [0-9]+(, in [a-z<>]{0,8})?\n|[A-Za-z.]{0,12}(: [a-z ]{0,10})?\n|[a-z.]{0,8}:[0-9]{1,3}:[0-9]{1,2}: runtime error: [a-z0-9 ']{0,30}\n|SUMMARY: [^\n]{0,20}\n|\n){0,40}", exit in exit()) {
        check(&analyse(&s, exit), 5)?;
    }

    #[test]
    fn mutated_reports_never_panic(s in mutated_sample(), exit in exit(), max_frames in 0usize..8) {
        check(&analyse_with(&s, exit, &Options { max_frames }), max_frames)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000), exit in exit()) {
        check(&analyse_bytes(&bytes, exit, &Options::default()), 5)?;
    }

    #[test]
    fn analysis_is_deterministic(s in mutated_sample()) {
        prop_assert_eq!(analyse(&s, Exit::Unknown), analyse(&s, Exit::Unknown));
    }
}

#[test]
fn long_output_is_cut_with_a_diagnostic() {
    let report = SAMPLES[1];
    // The report first, then more than 4 MiB of program output, then another report that is not read.
    let mut text = String::from(report);
    text.push_str(&"x".repeat(MAX_INPUT_BYTES));
    text.push_str(SAMPLES[0]);
    let analysis = analyse(&text, Exit::Code(1));
    assert_eq!(analysis.reports.len(), 1);
    assert_eq!(analysis.primary().unwrap().kind, "asan:SEGV");
    assert!(analysis.diagnostics.iter().any(|d| d.code == codes::INPUT_TRUNCATED));

    let bytes = text.as_bytes();
    let analysis = analyse_bytes(bytes, Exit::Code(1), &Options::default());
    assert_eq!(analysis.reports.len(), 1);
    assert_eq!(analysis.diagnostics.iter().filter(|d| d.code == codes::INPUT_TRUNCATED).count(), 1);
}

#[test]
fn many_lines_and_many_reports_are_bounded() {
    let text = "\n".repeat(MAX_LINES + 10);
    assert!(analyse(&text, Exit::Code(0)).diagnostics.iter().any(|d| d.code == codes::TOO_MANY_LINES));

    let text = "x.c:1:1: runtime error: division by zero\n".repeat(MAX_REPORTS + 5);
    let analysis = analyse(&text, Exit::Code(0));
    assert_eq!(analysis.reports.len(), MAX_REPORTS);
    assert!(analysis.diagnostics.iter().any(|d| d.code == codes::TOO_MANY_REPORTS));
}

#[test]
fn invalid_utf8_is_replaced_with_a_diagnostic() {
    let mut bytes = SAMPLES[1].as_bytes().to_vec();
    bytes.insert(0, 0xff);
    let analysis = analyse_bytes(&bytes, Exit::Code(1), &Options::default());
    assert_eq!(analysis.primary().unwrap().kind, "asan:SEGV");
    assert!(analysis.diagnostics.iter().any(|d| d.code == codes::INVALID_UTF8));
}

#[test]
fn pathological_names_stay_bounded() {
    let name = "<".repeat(100_000) + &"a(".repeat(50_000);
    let text = format!("==1==ERROR: AddressSanitizer: SEGV on unknown address\n    #0 0x1 in {name} /x.c:1:1\n    #1 0x2 in f{} /x.c:2\n", ">".repeat(100_000));
    let analysis = analyse(&text, Exit::Code(1));
    assert!(analysis.primary().unwrap().frames.iter().all(|f| f.len() <= 512));
}
