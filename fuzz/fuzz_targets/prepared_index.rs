//! Untrusted prepared indexes (`clearinghouse db build` output, which a scan may be pointed at):
//! open, look packages up, and read every record; a damaged file is an error, never a panic or an
//! out-of-bounds read.
#![no_main]

use clearinghouse_matcher::prepared::PreparedIndex;
use clearinghouse_osv::Base;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(index) = PreparedIndex::open(data) else { return };
    let _ = index.records_for(Base::CratesIo, "smallvec");
    for r in index.all_records().take(1000) {
        let _ = r;
    }
    let _ = index.load_all(time::OffsetDateTime::UNIX_EPOCH);
});
