//! The sample outputs in `testdata/`: kinds, normalised frames, summaries, and which signatures agree.

use clearinghouse_crash::{Analysis, Crash, Exit, Options, analyse, analyse_with, codes};

fn sample(name: &str) -> String {
    let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn primary(name: &str, exit: Exit) -> Crash {
    let analysis = analyse(&sample(name), exit);
    analysis.primary().cloned().unwrap_or_else(|| panic!("{name}: no report in {analysis:?}"))
}

fn check(crash: &Crash, kind: &str, frames: &[&str]) {
    assert_eq!(crash.kind, kind);
    assert_eq!(crash.frames, frames, "{kind}");
    assert!(crash.signature_is_consistent());
    assert_eq!(crash.signature.len(), 64);
}

#[test]
fn asan_heap_buffer_overflow_uses_the_access_stack() {
    let c = primary("asan_heap_buffer_overflow.txt", Exit::Code(1));
    check(&c, "asan:heap-buffer-overflow", &["read_record", "parse_file", "main"]);
    assert_eq!(c.summary.as_deref(), Some("SUMMARY: AddressSanitizer: heap-buffer-overflow /home/alice/poc/src/record.c:27:12 in read_record"));
}

#[test]
fn the_same_bug_from_another_reporter_has_the_same_signature() {
    // Other PID, addresses, paths, line numbers, a gcc runtime, an unsymbolised libc frame, no debug info for the top frame.
    let a = primary("asan_heap_buffer_overflow.txt", Exit::Code(1));
    let b = primary("asan_heap_buffer_overflow_other_reporter.txt", Exit::Code(1));
    assert_eq!(a.frames, b.frames);
    assert!(a.matches(&b));
    assert_eq!(a.signature, b.signature);
    assert_ne!(a.summary, b.summary);
}

#[test]
fn a_different_top_frame_gives_a_different_signature() {
    let text = sample("asan_heap_buffer_overflow.txt").replace("in read_record /", "in read_record_v2 /");
    let changed = analyse(&text, Exit::Code(1)).primary().cloned().unwrap();
    let original = primary("asan_heap_buffer_overflow.txt", Exit::Code(1));
    assert_eq!(changed.frames[0], "read_record_v2");
    assert!(!changed.matches(&original));
    // And a different kind with the same frames too.
    let text = sample("asan_heap_buffer_overflow.txt").replace("heap-buffer-overflow on", "heap-use-after-free on");
    assert!(!analyse(&text, Exit::Code(1)).primary().unwrap().matches(&original));
}

#[test]
fn addresses_pids_paths_and_lines_do_not_matter() {
    let original = sample("asan_segv.txt");
    let moved = original
        .replace("==4242==", "==17==")
        .replace("0x5616a3e8e", "0x7aa0b0c0d")
        .replace("/work/poc/", "/home/someone/else/checkout/")
        .replace("segv.c:9:15", "segv.c:12:3")
        .replace("segv.c:21:5", "segv.c:30:9");
    let a = analyse(&original, Exit::Code(1));
    let b = analyse(&moved, Exit::Code(1));
    assert_ne!(original, moved);
    assert_eq!(a.primary().unwrap().signature, b.primary().unwrap().signature);
}

#[test]
fn asan_segv() {
    let c = primary("asan_segv.txt", Exit::Code(1));
    check(&c, "asan:SEGV", &["set_field", "handle_packet", "main"]);
    assert_eq!(c.summary.as_deref(), Some("SUMMARY: AddressSanitizer: SEGV /work/poc/segv.c:9:15 in set_field"));
}

#[test]
fn asan_stack_use_after_scope_strips_cpp_arguments_and_templates() {
    let c = primary("asan_stack_use_after_scope.txt", Exit::Code(1));
    check(&c, "asan:stack-use-after-scope", &["Session::finish", "run_session", "main"]);
}

#[test]
fn asan_dynamic_stack_buffer_overflow_skips_the_interceptor() {
    let c = primary("asan_dynamic_stack_buffer_overflow.txt", Exit::Code(1));
    check(&c, "asan:dynamic-stack-buffer-overflow", &["copy_name", "main"]);
}

#[test]
fn ubsan_as_gcc_12_prints_it() {
    let a = analyse(&sample("ubsan_index_gcc12.txt"), Exit::Code(0));
    // Two runtime errors at the same place: two reports, in order.
    assert_eq!(a.reports.len(), 2);
    check(&a.reports[0], "ubsan:index-out-of-bounds", &["CWE121.c"]);
    assert_eq!(a.reports[0].summary.as_deref(), Some("runtime error: index 10 out of bounds for type 'int [10]'"));
    check(&a.reports[1], "ubsan:load-of-address-with-insufficient-space-for-an-object-of-type", &["CWE121.c"]);
    assert!(a.diagnostics.iter().all(|d| d.code == codes::NO_FRAMES));
    // No stack means the file name stands in, and a diagnostic says so.
    assert!(a.diagnostics.iter().any(|d| d.pointer == "/reports/0"));
    // The line number does not matter; the file does.
    let moved = analyse(&sample("ubsan_index_gcc12.txt").replace("42:13", "57:2"), Exit::Code(0));
    assert_eq!(moved.primary().unwrap().signature, a.primary().unwrap().signature);
    let other = analyse(&sample("ubsan_index_gcc12.txt").replace("CWE121.c", "CWE122.c"), Exit::Code(0));
    assert_ne!(other.primary().unwrap().signature, a.primary().unwrap().signature);
}

#[test]
fn ubsan_signed_overflow_with_a_stack() {
    let a = analyse(&sample("ubsan_signed_overflow.txt"), Exit::Code(1));
    assert_eq!(a.reports.len(), 1);
    check(&a.reports[0], "ubsan:signed-integer-overflow", &["accumulate", "main"]);
    assert!(a.reports[0].summary.as_deref().unwrap().starts_with("SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior"));
    assert!(a.diagnostics.is_empty());
}

#[test]
fn lsan_reports_the_first_direct_leak() {
    let c = primary("lsan_leak.txt", Exit::Code(23));
    check(&c, "lsan:memory-leak", &["new_node", "build_list", "main"]);
    assert_eq!(c.summary.as_deref(), Some("SUMMARY: AddressSanitizer: 56 byte(s) leaked in 2 allocation(s)."));
}

#[test]
fn a_truncated_use_after_free_report_still_classifies() {
    let c = primary("asan_heap_use_after_free_truncated.txt", Exit::Signal(6));
    check(&c, "asan:heap-use-after-free", &["conn_close", "server_shutdown"]);
    assert_eq!(c.summary, None);
}

#[test]
fn several_reports_are_kept_in_order_and_a_fixed_build_shows_a_different_class() {
    let before = analyse(&sample("asan_uaf_then_lsan.txt"), Exit::Code(1));
    let kinds: Vec<&str> = before.reports.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["asan:heap-use-after-free", "lsan:memory-leak"]);
    check(&before.reports[1], "lsan:memory-leak", &["conn_open"]);

    let after = analyse(&sample("fixed_build_lsan_only.txt"), Exit::Code(23));
    assert_eq!(after.reports.len(), 1);
    check(&after.reports[0], "lsan:memory-leak", &["conn_open", "server_accept", "main"]);
    // The use-after-free is gone: no report of the fixed build matches the original primary.
    let original = before.primary().unwrap();
    assert!(after.reports.iter().all(|r| !r.matches(original)));
}

#[test]
fn msan_use_of_uninitialized_value() {
    let c = primary("msan_uninit.txt", Exit::Code(77));
    check(&c, "msan:use-of-uninitialized-value", &["check_flags", "main"]);
}

#[test]
fn tsan_data_race_uses_the_first_access() {
    let a = analyse(&sample("tsan_data_race.txt"), Exit::Code(66));
    assert_eq!(a.reports.len(), 1);
    check(&a.reports[0], "tsan:data-race", &["increment", "worker"]);
    assert_eq!(a.reports[0].summary.as_deref(), Some("SUMMARY: ThreadSanitizer: data race /home/erin/race/race.c:9:13 in increment"));
}

#[test]
fn rust_panics_in_both_formats_agree() {
    let old = primary("rust_panic_old.txt", Exit::Code(101));
    check(&old, "rust:panic", &["poc::lookup", "poc::main"]);
    assert_eq!(old.summary.as_deref(), Some("panicked at src/main.rs:3:5: index out of bounds: the len is 3 but the index is 10"));
    let new = primary("rust_panic_new.txt", Exit::Code(101));
    check(&new, "rust:panic", &["poc::lookup", "poc::main"]);
    assert_eq!(new.summary.as_deref(), Some("panicked at src/main.rs:4:5: index out of bounds: the len is 3 but the index is 10"));
    assert!(old.matches(&new));
}

#[test]
fn rust_panic_without_backtrace_falls_back_to_the_file() {
    let a = analyse(
        "thread 'main' panicked at src/parse.rs:10:9:\nattempt to add with overflow\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        Exit::Code(101),
    );
    check(a.primary().unwrap(), "rust:panic", &["parse.rs"]);
    assert_eq!(a.diagnostics.len(), 1);
    assert_eq!(a.diagnostics[0].code, codes::NO_FRAMES);
}

#[test]
fn go_panic() {
    let c = primary("go_panic.txt", Exit::Code(2));
    check(&c, "go:panic", &["main.main"]);
    assert_eq!(c.summary.as_deref(), Some("panic: runtime error: index out of range [5] with length 3"));
    let c = primary("go_panic_nested.txt", Exit::Code(2));
    check(&c, "go:panic", &["example.com/poc/parser.(*Decoder).readHeader", "example.com/poc/parser.Decode", "main.main.func1"]);
}

#[test]
fn go_recovered_repanic_is_one_report() {
    let text = "panic: runtime error: integer divide by zero [recovered]\n\tpanic: runtime error: integer divide by zero\n\ngoroutine 1 [running]:\nmain.div(...)\n\t/tmp/d/main.go:6\nmain.main()\n\t/tmp/d/main.go:12 +0x25\n";
    let a = analyse(text, Exit::Code(2));
    assert_eq!(a.reports.len(), 1);
    check(&a.reports[0], "go:panic", &["main.div", "main.main"]);
}

#[test]
fn go_fatal_error_skips_the_runtime() {
    let c = primary("go_fatal_error.txt", Exit::Code(2));
    check(&c, "go:fatal-error", &["main.store", "main.main.func1"]);
}

#[test]
fn python_traceback() {
    let c = primary("python_traceback.txt", Exit::Code(1));
    check(&c, "python:ZeroDivisionError", &["reader:parse", "run:main", "run:<module>"]);
    assert_eq!(c.summary.as_deref(), Some("ZeroDivisionError: integer division or modulo by zero"));
}

#[test]
fn python_chained_traceback_is_one_report_of_the_last_exception() {
    let a = analyse(&sample("python_chained.txt"), Exit::Code(1));
    assert_eq!(a.reports.len(), 1);
    check(&a.reports[0], "python:config.ConfigError", &["config:load", "main:<module>"]);
}

#[test]
fn a_plain_fatal_signal() {
    let a = analyse(&sample("plain_segfault.txt"), Exit::Signal(11));
    assert_eq!(a.reports.len(), 1);
    check(&a.reports[0], "signal:SIGSEGV", &[]);
    assert!(analyse(&sample("plain_segfault.txt"), Exit::Code(0)).reports.is_empty());
    assert!(analyse(&sample("plain_segfault.txt"), Exit::Timeout).reports.is_empty());
    // A report explains the signal; no separate signal report.
    assert_eq!(analyse(&sample("asan_heap_use_after_free_truncated.txt"), Exit::Signal(6)).reports.len(), 1);
}

#[test]
fn frame_count_is_configurable() {
    let text = sample("asan_heap_buffer_overflow.txt");
    let one = analyse_with(&text, Exit::Code(1), &Options { max_frames: 1 });
    assert_eq!(one.primary().unwrap().frames, ["read_record"]);
    let zero = analyse_with(&text, Exit::Code(1), &Options { max_frames: 0 });
    assert!(zero.primary().unwrap().frames.is_empty());
    assert!(zero.diagnostics.is_empty());
}

#[test]
fn crash_serialises_with_the_documented_fields() {
    let c = primary("asan_segv.txt", Exit::Code(1));
    let json = serde_json::to_value(&c).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["frames", "kind", "signature", "summary"]);
    let back: Crash = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
    let analysis: Analysis = serde_json::from_str(&serde_json::to_string(&analyse(&sample("lsan_leak.txt"), Exit::Code(1))).unwrap()).unwrap();
    assert_eq!(analysis.reports.len(), 1);
}

/// Real gcc 12 output of Juliet cases: the kinds `../shared/data/juliet/expected.tsv` lists, and no libc or
/// sanitizer-runtime frame in the signature.
#[test]
fn real_gcc12_juliet_outputs() {
    let read = |name: &str| std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gcc12-juliet").join(name)).unwrap();
    let hbo = analyse(&read("CWE122_CWE131_loop_01.bad.txt"), Exit::Code(1));
    let crash = hbo.primary().expect("a report");
    assert_eq!(crash.kind, "asan:heap-buffer-overflow");
    assert_eq!(crash.frames, ["CWE122_Heap_Based_Buffer_Overflow__CWE131_loop_01_bad", "main"], "the WRITE stack, without libc");
    let ubsan = analyse(&read("CWE121_CWE129_large_01.bad.txt"), Exit::Code(1));
    assert_eq!(ubsan.primary().expect("a report").kind, "ubsan:index-out-of-bounds");
    let leak = analyse(&read("CWE416_malloc_free_char_01.good.txt"), Exit::Code(1));
    let crash = leak.primary().expect("a report");
    assert_eq!(crash.kind, "lsan:memory-leak");
    assert_eq!(crash.frames, ["goodG2B", "CWE416_Use_After_Free__malloc_free_char_01_good", "main"]);
}
