//! What a reporter controls in a validation: the bundle manifest (`bundle.toml`) and, through the
//! proof, the output the crash analyser and the oracles read. Neither may panic on any bytes.
#![no_main]

use clearinghouse_sandbox::Termination;
use clearinghouse_validation::bundle::{self, Oracle, Stream};
use clearinghouse_validation::verdict;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = bundle::parse(data, |p| Some(!p.ends_with(".patch"))) {
        assert!(bundle::check(&m, |_| Some(true)).iter().all(|d| d.code != bundle::codes::FORMAT));
    }
    let oracles = [
        Oracle::Sanitizer { kind: "asan:*".into(), frames: vec!["main".into()] },
        Oracle::Crash { frames: vec![] },
        Oracle::Output { stream: Stream::Either, pattern: "ESCAPED|secret=[0-9]+".into() },
        Oracle::Hang {},
    ];
    for (i, o) in oracles.iter().enumerate() {
        let t = match i % 3 {
            0 => Termination::Exited { code: 1 },
            1 => Termination::Signaled { signal: 11 },
            _ => Termination::TimedOut,
        };
        let j = verdict::judge(o, &t, &data[..data.len() / 2], &data[data.len() / 2..]);
        assert!(j.crashes.iter().all(|c| c.signature_is_consistent()));
    }
});
