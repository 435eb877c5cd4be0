//! A prepared OSV index: the records of an OSV database in one binary file, with a directory of the
//! packages they name, so that a scan parses only the records about the packages it looks up.
//!
//! Loading a folder of OSV records means reading and parsing every record (a few thousand files for
//! RustSec, hundreds of thousands for osv.dev). A prepared index is built once
//! ([`encode`]) and then opened in microseconds: [`Directory::open`] validates the directory only,
//! [`Directory::needed_for`] lists the records filed under the packages of some SBOMs, and only those
//! are decoded and compiled into an [`Index`]. The answers are exactly those of an [`Index`] holding
//! every record, because a query reads only the entries filed under its package key, and every record
//! with an entry under that key is loaded (the tests check this on the RustSec and Go databases).
//!
//! # Format (version 1; all integers little-endian)
//!
//! ```text
//! preamble, 64 bytes:
//!    0  magic "CLHOSVIX"             8  format version (u32)       12  flags (u32, 0)
//!   16  header length (u32)         20  key count (u32)            24  posting count (u32)
//!   28  unkeyed count (u32)         32  record count (u32)         36  key bytes length (u32)
//!   40  record bytes length (u64)   48  directory checksum (u64)   56  reserved (u64, 0)
//! directory:
//!   header        JSON object (record count, source, built at, fingerprint)
//!   key table     key count × (key offset u32, key length u32, first posting u32, posting count u32),
//!                 sorted by key bytes, keys distinct
//!   key bytes     each key: base ecosystem name, NUL, the name key (see [`crate::package_key`])
//!   postings      posting count × record number (u32), ascending within a key
//!   unkeyed       unkeyed count × record number (u32): records no package query can reach
//!                 (GIT-only, no package), kept for completeness and counted, never loaded by a scan
//!   record table  record count × (offset u64, length u32, reserved u32, checksum u64)
//! records:        each record's JSON (`serde_json` of the parsed [`Record`]), sorted by id, ids distinct
//! ```
//!
//! The directory checksum covers the directory; each record has its own checksum, checked when it is
//! decoded. Every count, offset and length is checked against the bytes before it is used: a corrupt or
//! hostile file is a [`Diagnostic`], never a panic or a read out of bounds (property-tested).
//!
//! No I/O: the caller reads the bytes (all of them for [`PreparedIndex`], or the preamble, then the
//! directory, then single records for [`Directory`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;

use clearinghouse_model::Diagnostic;
use clearinghouse_osv::{Base, Record};
use clearinghouse_sbom::Component;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Index, package_key, package_of};

/// The first eight bytes of every prepared index.
pub const MAGIC: [u8; 8] = *b"CLHOSVIX";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The length of the fixed preamble.
pub const PREAMBLE_LEN: usize = 64;
/// The largest header accepted.
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;
/// The largest record accepted (the OSV reader accepts 16 MiB of input; re-serialised JSON is about
/// as long, YAML sources may grow a little).
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Diagnostic codes of prepared indexes.
pub mod codes {
    /// The bytes do not start with [`super::MAGIC`].
    pub const NOT_A_PREPARED_INDEX: &str = "not_a_prepared_index";
    /// A format version this crate does not read.
    pub const UNSUPPORTED_VERSION: &str = "unsupported_index_version";
    /// A count, offset, length, order or checksum is wrong: the file is damaged.
    pub const CORRUPT_INDEX: &str = "corrupt_index";
    /// A record could not be written (too large, or not serialisable).
    pub const UNENCODABLE_RECORD: &str = "unencodable_record";
}

/// What the index says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always `clearinghouse-osv-index`.
    pub format: String,
    pub record_count: u64,
    /// Where the records came from, for people (a path, a URL).
    pub source: String,
    /// RFC 3339.
    pub built_at: String,
    /// The builder's fingerprint of its source (a cache uses it to tell whether the index is current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The program that wrote it.
    #[serde(default)]
    pub tool: String,
}

/// The `format` of every header.
pub const HEADER_FORMAT: &str = "clearinghouse-osv-index";

/// What [`encode`] writes into the header besides the counts.
#[derive(Clone, Debug)]
pub struct Source<'a> {
    pub description: &'a str,
    pub built_at: OffsetDateTime,
    pub fingerprint: Option<&'a str>,
}

/// A checksum for damage (not for tampering: anyone can recompute it): 64-bit words mixed with a
/// multiply and a rotation, with the length folded in.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    h ^ (h >> 29)
}

fn corrupt(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(codes::CORRUPT_INDEX, "", message)
}

/// Every record's package keys (see [`crate::package_key`]), as [`Index::insert`] files its entries.
fn record_keys(record: &Record) -> Vec<String> {
    crate::record_keys(record).into_iter().map(|(base, name)| package_key_of_name_key(base, &name)).collect()
}

/// [`package_key`] of a name already normalised by [`crate::name_key`] (normalising is idempotent, so
/// this equals `package_key(base, name)`; it only saves the second pass).
fn package_key_of_name_key(base: Base, name_key: &str) -> String {
    let mut key = String::with_capacity(base.name().len() + 1 + name_key.len());
    key.push_str(base.name());
    key.push('\0');
    key.push_str(name_key);
    key
}

/// Writes a prepared index of `records`.
///
/// Records with the same id are reduced to one as [`Index::insert`] does (the later `modified` wins;
/// on a tie, or when neither can be read, the first). Withdrawn records are kept and filed: whether
/// they are withdrawn is decided when they are loaded, with that moment's time. The output depends
/// only on the records and `source`, not on their order.
pub fn encode(records: &[Record], source: &Source<'_>) -> Result<Vec<u8>, Diagnostic> {
    // One record per id.
    let mut chosen: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        match chosen.get(r.id.as_str()) {
            Some(&j) if r.modified_at() <= records[j].modified_at() => {}
            _ => {
                chosen.insert(r.id.as_str(), i);
            }
        }
    }
    let mut order: Vec<usize> = chosen.into_values().collect();
    order.sort_by(|&a, &b| records[a].id.cmp(&records[b].id));
    let record_count = u32::try_from(order.len()).map_err(|_| Diagnostic::new(codes::UNENCODABLE_RECORD, "", "more than 2^32 records"))?;

    let mut blob: Vec<u8> = Vec::new();
    let mut table: Vec<(u64, u32, u64)> = Vec::with_capacity(order.len());
    let mut postings: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut unkeyed: Vec<u32> = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        let record = &records[i];
        let n = n as u32; // < record_count
        let start = blob.len();
        serde_json::to_writer(&mut blob, record).map_err(|e| Diagnostic::new(codes::UNENCODABLE_RECORD, "", format!("record {}: {e}", record.id)))?;
        let len = blob.len() - start;
        if len > MAX_RECORD_BYTES {
            return Err(Diagnostic::new(codes::UNENCODABLE_RECORD, "", format!("record {} is {len} bytes; at most {MAX_RECORD_BYTES} are written", record.id)));
        }
        table.push((start as u64, len as u32, checksum(&blob[start..])));
        let keys = record_keys(record);
        if keys.is_empty() {
            unkeyed.push(n);
        }
        for key in keys {
            postings.entry(key).or_default().push(n);
        }
    }

    let header = Header {
        format: HEADER_FORMAT.to_string(),
        record_count: u64::from(record_count),
        source: source.description.to_string(),
        // Whole seconds: the header's length then depends on nothing but the source and the records.
        built_at: source.built_at.replace_nanosecond(0).unwrap_or(source.built_at).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        fingerprint: source.fingerprint.map(str::to_string),
        tool: concat!("clearinghouse-matcher ", env!("CARGO_PKG_VERSION")).to_string(),
    };
    let header = serde_json::to_vec(&header).map_err(|e| Diagnostic::new(codes::UNENCODABLE_RECORD, "", format!("header: {e}")))?;
    if header.len() > MAX_HEADER_BYTES {
        return Err(Diagnostic::new(codes::UNENCODABLE_RECORD, "", "the source description is too long"));
    }

    let too_big = || Diagnostic::new(codes::UNENCODABLE_RECORD, "", "the index would exceed the format's 32-bit counts");
    let mut key_table: Vec<u8> = Vec::with_capacity(postings.len() * 16);
    let mut key_bytes: Vec<u8> = Vec::new();
    let mut posting_bytes: Vec<u8> = Vec::new();
    let mut posting_count: u32 = 0;
    for (key, numbers) in &postings {
        let key_off = u32::try_from(key_bytes.len()).map_err(|_| too_big())?;
        let key_len = u32::try_from(key.len()).map_err(|_| too_big())?;
        let count = u32::try_from(numbers.len()).map_err(|_| too_big())?;
        key_table.extend_from_slice(&key_off.to_le_bytes());
        key_table.extend_from_slice(&key_len.to_le_bytes());
        key_table.extend_from_slice(&posting_count.to_le_bytes());
        key_table.extend_from_slice(&count.to_le_bytes());
        key_bytes.extend_from_slice(key.as_bytes());
        for n in numbers {
            posting_bytes.extend_from_slice(&n.to_le_bytes());
        }
        posting_count = posting_count.checked_add(count).ok_or_else(too_big)?;
    }
    let key_count = u32::try_from(postings.len()).map_err(|_| too_big())?;
    let keys_len = u32::try_from(key_bytes.len()).map_err(|_| too_big())?;

    let mut directory: Vec<u8> = Vec::new();
    directory.extend_from_slice(&header);
    directory.extend_from_slice(&key_table);
    directory.extend_from_slice(&key_bytes);
    directory.extend_from_slice(&posting_bytes);
    for n in &unkeyed {
        directory.extend_from_slice(&n.to_le_bytes());
    }
    for (off, len, sum) in &table {
        directory.extend_from_slice(&off.to_le_bytes());
        directory.extend_from_slice(&len.to_le_bytes());
        directory.extend_from_slice(&0u32.to_le_bytes());
        directory.extend_from_slice(&sum.to_le_bytes());
    }

    let mut out = Vec::with_capacity(PREAMBLE_LEN + directory.len() + blob.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&key_count.to_le_bytes());
    out.extend_from_slice(&posting_count.to_le_bytes());
    out.extend_from_slice(&(unkeyed.len() as u32).to_le_bytes());
    out.extend_from_slice(&record_count.to_le_bytes());
    out.extend_from_slice(&keys_len.to_le_bytes());
    out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&directory).to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    debug_assert_eq!(out.len(), PREAMBLE_LEN);
    out.extend_from_slice(&directory);
    out.extend_from_slice(&blob);
    Ok(out)
}

/// Whether `bytes` (the start of a file) begin like a prepared index.
pub fn is_prepared(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    Some(u64::from_le_bytes(w))
}

/// Where each part of the directory lies, from the preamble (all ranges within the directory).
#[derive(Clone, Debug)]
struct Layout {
    header: Range<usize>,
    key_table: Range<usize>,
    keys: Range<usize>,
    postings: Range<usize>,
    unkeyed: Range<usize>,
    record_table: Range<usize>,
    key_count: usize,
    posting_count: usize,
    record_count: usize,
    records_len: u64,
    checksum: u64,
}

impl Layout {
    fn directory_len(&self) -> usize {
        self.record_table.end
    }
}

/// Reads the preamble: checks magic, version and flags and computes every section's place with
/// checked arithmetic.
fn layout(bytes: &[u8]) -> Result<Layout, Diagnostic> {
    if bytes.len() < MAGIC.len() || !is_prepared(bytes) {
        return Err(Diagnostic::new(codes::NOT_A_PREPARED_INDEX, "", "not a prepared OSV index (wrong magic bytes)"));
    }
    let p = bytes.get(..PREAMBLE_LEN).ok_or_else(|| corrupt(format!("truncated: {} bytes, the preamble alone is {PREAMBLE_LEN}", bytes.len())))?;
    let field = |at: usize| u32_at(p, at).map(|v| v as usize).unwrap_or(usize::MAX);
    let version = u32_at(p, 8).unwrap_or(u32::MAX);
    if version != FORMAT_VERSION {
        return Err(Diagnostic::new(
            codes::UNSUPPORTED_VERSION,
            "",
            format!("prepared index format version {version}; this program reads version {FORMAT_VERSION} (rebuild it with `clearinghouse db build`)"),
        ));
    }
    if u32_at(p, 12) != Some(0) || u64_at(p, 56) != Some(0) {
        return Err(corrupt("unknown flags in the preamble"));
    }
    let header_len = field(16);
    if header_len > MAX_HEADER_BYTES {
        return Err(corrupt(format!("header of {header_len} bytes")));
    }
    let (key_count, posting_count, unkeyed_count, record_count, keys_len) = (field(20), field(24), field(28), field(32), field(36));
    let records_len = u64_at(p, 40).unwrap_or(u64::MAX);
    let checksum = u64_at(p, 48).unwrap_or(0);
    let overflow = || corrupt("section sizes overflow");
    let mut at = PREAMBLE_LEN;
    let mut section = |len: Option<usize>| -> Result<Range<usize>, Diagnostic> {
        let len = len.ok_or_else(overflow)?;
        let end = at.checked_add(len).ok_or_else(overflow)?;
        let r = at..end;
        at = end;
        Ok(r)
    };
    let header = section(Some(header_len))?;
    let key_table = section(key_count.checked_mul(16))?;
    let keys = section(Some(keys_len))?;
    let postings = section(posting_count.checked_mul(4))?;
    let unkeyed = section(unkeyed_count.checked_mul(4))?;
    let record_table = section(record_count.checked_mul(24))?;
    Ok(Layout { header, key_table, keys, postings, unkeyed, record_table, key_count, posting_count, record_count, records_len, checksum })
}

/// How many bytes from the start of the file [`Directory::open`] needs: read [`PREAMBLE_LEN`]
/// bytes, ask this, read that many.
pub fn directory_len(preamble: &[u8]) -> Result<usize, Diagnostic> {
    layout(preamble).map(|l| l.directory_len())
}

/// What decides a component's package: its purl, or without one its ecosystem hint, group and name.
type Identity<'s> = (Option<&'s str>, Option<&'s str>, Option<&'s str>, &'s str);

/// Where one record lies and its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSpan {
    /// From the start of the file.
    pub offset: u64,
    pub len: usize,
    pub checksum: u64,
}

/// A prepared index's directory: everything but the records' bytes, validated.
#[derive(Clone, Debug)]
pub struct Directory<'a> {
    bytes: &'a [u8],
    layout: Layout,
    header: Header,
}

impl<'a> Directory<'a> {
    /// Validates the directory at the start of `bytes` (which may hold the whole file, or only the
    /// first [`directory_len`] bytes): magic, version, every section's bounds, the checksum, the
    /// header, the keys' order, every posting and every record's place within the records' length.
    pub fn open(bytes: &'a [u8]) -> Result<Directory<'a>, Diagnostic> {
        let layout = layout(bytes)?;
        let dir_len = layout.directory_len();
        let Some(dir) = bytes.get(PREAMBLE_LEN..dir_len) else {
            return Err(corrupt(format!("truncated: {} bytes, the directory needs {dir_len}", bytes.len())));
        };
        if checksum(dir) != layout.checksum {
            return Err(corrupt("the directory's checksum does not match"));
        }
        let header: Header =
            bytes.get(layout.header.clone()).and_then(|h| serde_json::from_slice(h).ok()).ok_or_else(|| corrupt("the header is not readable JSON"))?;
        if header.format != HEADER_FORMAT || header.record_count != layout.record_count as u64 {
            return Err(corrupt("the header does not match the preamble"));
        }
        let d = Directory { bytes, layout, header };
        // Keys: within the key bytes, postings within the postings, strictly increasing.
        let mut previous: Option<&[u8]> = None;
        for i in 0..d.layout.key_count {
            let (key, _) = d.entry(i).ok_or_else(|| corrupt(format!("key {i} lies outside its section")))?;
            if previous.is_some_and(|p| p >= key) {
                return Err(corrupt("keys out of order"));
            }
            previous = Some(key);
        }
        let count = d.layout.record_count;
        let postings = d.numbers(d.layout.postings.clone());
        let unkeyed = d.numbers(d.layout.unkeyed.clone());
        if postings.chain(unkeyed).any(|n| n as usize >= count) {
            return Err(corrupt("a record number past the record count"));
        }
        for n in 0..count {
            d.record_span(n).ok_or_else(|| corrupt(format!("record {n} lies outside the records")))?;
        }
        Ok(d)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Records held (ids are distinct).
    pub fn record_count(&self) -> usize {
        self.layout.record_count
    }

    /// Package keys held.
    pub fn key_count(&self) -> usize {
        self.layout.key_count
    }

    /// Bytes of the directory (from the start of the file); the records follow.
    pub fn directory_len(&self) -> usize {
        self.layout.directory_len()
    }

    /// Bytes of the whole file.
    pub fn file_len(&self) -> u64 {
        (self.layout.directory_len() as u64).saturating_add(self.layout.records_len)
    }

    fn numbers(&self, range: Range<usize>) -> impl Iterator<Item = u32> + use<'a> {
        let bytes: &'a [u8] = self.bytes.get(range).unwrap_or(&[]);
        bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Key `i` and the byte range of its postings.
    fn entry(&self, i: usize) -> Option<(&'a [u8], Range<usize>)> {
        let at = self.layout.key_table.start.checked_add(i.checked_mul(16)?)?;
        if at.checked_add(16)? > self.layout.key_table.end {
            return None;
        }
        let (off, len, first, count) = (
            u32_at(self.bytes, at)? as usize,
            u32_at(self.bytes, at + 4)? as usize,
            u32_at(self.bytes, at + 8)? as usize,
            u32_at(self.bytes, at + 12)? as usize,
        );
        let key_start = self.layout.keys.start.checked_add(off)?;
        let key_end = key_start.checked_add(len)?;
        if key_end > self.layout.keys.end {
            return None;
        }
        if first.checked_add(count)? > self.layout.posting_count {
            return None;
        }
        let p_start = self.layout.postings.start.checked_add(first.checked_mul(4)?)?;
        let p_end = p_start.checked_add(count.checked_mul(4)?)?;
        Some((self.bytes.get(key_start..key_end)?, p_start..p_end))
    }

    /// The record numbers filed under `key` (a [`crate::package_key`]).
    pub fn records_for_key(&self, key: &str) -> impl Iterator<Item = u32> + use<'a> {
        let key = key.as_bytes();
        let (mut lo, mut hi) = (0usize, self.layout.key_count);
        let mut found = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let Some((k, postings)) = self.entry(mid) else { break };
            match k.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    found = Some(postings);
                    break;
                }
            }
        }
        self.numbers(found.unwrap_or(0..0))
    }

    /// The record numbers filed under package `name` of ecosystem `base`.
    pub fn records_for(&self, base: Base, name: &str) -> impl Iterator<Item = u32> + use<'a> {
        self.records_for_key(&package_key(base, name))
    }

    /// The records no package query reaches (no entry with a package: GIT-only records).
    pub fn unkeyed(&self) -> impl Iterator<Item = u32> + use<'a> {
        self.numbers(self.layout.unkeyed.clone())
    }

    /// Every package key, in order.
    pub fn keys(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.layout.key_count).filter_map(|i| self.entry(i).map(|(k, _)| k))
    }

    /// Where record `n` lies in the file.
    pub fn record_span(&self, n: usize) -> Option<RecordSpan> {
        if n >= self.layout.record_count {
            return None;
        }
        let at = self.layout.record_table.start.checked_add(n.checked_mul(24)?)?;
        let offset = u64_at(self.bytes, at)?;
        let len = u32_at(self.bytes, at + 8)? as usize;
        let reserved = u32_at(self.bytes, at + 12)?;
        let checksum = u64_at(self.bytes, at + 16)?;
        if reserved != 0 || len > MAX_RECORD_BYTES || offset.checked_add(len as u64)? > self.layout.records_len {
            return None;
        }
        Some(RecordSpan { offset: (self.layout.directory_len() as u64).checked_add(offset)?, len, checksum })
    }

    /// The records a scan of `components` needs: those filed under the package of any of them,
    /// sorted, each once. Components that cannot be placed need none (the scan lists them as
    /// unmatched).
    pub fn needed_for<'s>(&self, components: impl IntoIterator<Item = &'s Component>) -> Vec<u32> {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        // A package URL, or the ecosystem hint, group and name without one, decide the package: each
        // is mapped once (a large SBOM repeats a few thousand of them a million times).
        let mut seen: HashSet<Identity<'_>> = HashSet::new();
        for c in components {
            let key = match &c.purl {
                Some(p) => (Some(p.as_str()), None, None, ""),
                None => (None, c.ecosystem_hint.as_deref(), c.group.as_deref(), c.name.as_str()),
            };
            if seen.insert(key)
                && let Ok((eco, name, _, _)) = package_of(c)
            {
                keys.insert(package_key(eco.base(), &name));
            }
        }
        let mut numbers: Vec<u32> = keys.iter().flat_map(|k| self.records_for_key(k)).collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// Decodes record `n` from its bytes (read from [`Directory::record_span`]), checking length and
    /// checksum.
    pub fn decode(&self, n: usize, bytes: &[u8]) -> Result<Record, Diagnostic> {
        let span = self.record_span(n).ok_or_else(|| corrupt(format!("no record {n}")))?;
        if bytes.len() != span.len || checksum(bytes) != span.checksum {
            return Err(corrupt(format!("record {n}: checksum does not match")));
        }
        // `Record`'s derived `Deserialize`: the bytes are JSON this module wrote from a parsed record
        // (the checksum matched), it is about three times faster than the OSV reader, and it gives back
        // the record that was written (tested on the real corpora). The length is bounded by
        // `MAX_RECORD_BYTES` and nesting by serde_json's recursion limit.
        let record: Record = serde_json::from_slice(bytes).map_err(|e| corrupt(format!("record {n}: {e}")))?;
        if record.id.is_empty() {
            return Err(corrupt(format!("record {n} has no id")));
        }
        Ok(record)
    }
}

/// A whole prepared index in memory.
#[derive(Clone, Debug)]
pub struct PreparedIndex<'a> {
    directory: Directory<'a>,
    bytes: &'a [u8],
}

impl<'a> PreparedIndex<'a> {
    /// Validates the directory and that the file is exactly as long as it says.
    pub fn open(bytes: &'a [u8]) -> Result<PreparedIndex<'a>, Diagnostic> {
        let directory = Directory::open(bytes)?;
        if directory.file_len() != bytes.len() as u64 {
            return Err(corrupt(format!("{} bytes where the directory says {}", bytes.len(), directory.file_len())));
        }
        Ok(PreparedIndex { directory, bytes })
    }

    pub fn directory(&self) -> &Directory<'a> {
        &self.directory
    }

    pub fn header(&self) -> &Header {
        self.directory.header()
    }

    pub fn record_count(&self) -> usize {
        self.directory.record_count()
    }

    /// Record `n`.
    pub fn record(&self, n: usize) -> Result<Record, Diagnostic> {
        let span = self.directory.record_span(n).ok_or_else(|| corrupt(format!("no record {n}")))?;
        let start = usize::try_from(span.offset).map_err(|_| corrupt("offset past memory"))?;
        let bytes = start.checked_add(span.len).and_then(|end| self.bytes.get(start..end)).ok_or_else(|| corrupt(format!("record {n} is truncated")))?;
        self.directory.decode(n, bytes)
    }

    /// The records filed under package `name` of ecosystem `base`.
    pub fn records_for(&self, base: Base, name: &str) -> Result<Vec<Record>, Diagnostic> {
        self.directory.records_for(base, name).map(|n| self.record(n as usize)).collect()
    }

    /// Every record, in id order.
    pub fn all_records(&self) -> impl Iterator<Item = Result<Record, Diagnostic>> + '_ {
        (0..self.record_count()).map(|n| self.record(n))
    }

    /// An index of the records a scan of `components` needs ([`Directory::needed_for`]): scanning
    /// them with it gives exactly what an index of every record gives.
    pub fn load_for<'s>(&self, components: impl IntoIterator<Item = &'s Component>, now: OffsetDateTime) -> Result<Index, Diagnostic> {
        let mut index = Index::new();
        for n in self.directory.needed_for(components) {
            index.insert(self.record(n as usize)?, now);
        }
        Ok(index)
    }

    /// An index of every record.
    pub fn load_all(&self, now: OffsetDateTime) -> Result<Index, Diagnostic> {
        let mut index = Index::new();
        for r in self.all_records() {
            index.insert(r?, now);
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearinghouse_osv::parse_record;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-27 00:00 UTC);

    fn record(json: &str) -> Record {
        let (r, d) = parse_record(json.as_bytes());
        r.unwrap_or_else(|| panic!("{d:?}"))
    }

    fn semver(id: &str, modified: &str, eco: &str, name: &str, fixed: &str) -> Record {
        record(&format!(
            r#"{{"id": "{id}", "modified": "{modified}",
            "affected": [{{"package": {{"ecosystem": "{eco}", "name": "{name}"}},
              "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
        ))
    }

    fn source() -> Source<'static> {
        Source { description: "test", built_at: NOW, fingerprint: Some("abc") }
    }

    fn sample() -> Vec<Record> {
        vec![
            semver("B-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "1.0.0"),
            semver("A-1", "2024-01-01T00:00:00Z", "PyPI", "Foo_Bar", "2.0.0"),
            // A later copy of B-1 replaces it; an earlier one does not.
            semver("B-1", "2024-02-01T00:00:00Z", "crates.io", "foo", "3.0.0"),
            semver("B-1", "2023-01-01T00:00:00Z", "crates.io", "foo", "9.0.0"),
            semver("C-1", "2024-01-01T00:00:00Z", "Go", "github.com/BurntSushi/toml", "1.0.0"),
            record(
                r#"{"id": "G-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "GIT", "repo": "https://example.com/r",
                "events": [{"introduced": "0"}, {"fixed": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}]}]}"#,
            ),
        ]
    }

    #[test]
    fn round_trip_and_lookup() {
        let bytes = encode(&sample(), &source()).unwrap();
        let p = PreparedIndex::open(&bytes).unwrap();
        assert_eq!(p.record_count(), 4);
        assert_eq!(p.header().source, "test");
        assert_eq!(p.header().fingerprint.as_deref(), Some("abc"));
        assert_eq!(p.header().built_at, "2026-11-27T00:00:00Z");
        let ids: Vec<String> = p.all_records().map(|r| r.unwrap().id).collect();
        assert_eq!(ids, ["A-1", "B-1", "C-1", "G-1"]);
        let foo = p.records_for(Base::CratesIo, "foo").unwrap();
        assert_eq!(foo.len(), 1);
        assert_eq!(foo[0].modified.as_deref(), Some("2024-02-01T00:00:00Z"), "the later copy is kept");
        // Names are normalised as the index does: PEP 503 for PyPI, lower case for Go.
        assert_eq!(p.records_for(Base::PyPi, "foo-bar").unwrap().len(), 1);
        assert_eq!(p.records_for(Base::Go, "github.com/burntsushi/toml").unwrap().len(), 1);
        assert!(p.records_for(Base::Npm, "foo").unwrap().is_empty());
        assert_eq!(p.directory().unkeyed().collect::<Vec<_>>(), [3], "the GIT-only record");
        // The records survive the round trip unchanged.
        let mut originals = sample();
        originals.remove(3);
        originals.remove(0);
        for r in &originals {
            let back = p.all_records().map(Result::unwrap).find(|b| b.id == r.id).unwrap();
            assert_eq!(&back, r);
        }
        // The order of the input does not change the bytes.
        let mut reversed = sample();
        reversed.reverse();
        // Reversed, the earlier B-1 copies come first: the latest still wins.
        assert_eq!(encode(&reversed, &source()).unwrap(), bytes);
    }

    #[test]
    fn load_for_loads_only_what_the_sbom_names() {
        let bytes = encode(&sample(), &source()).unwrap();
        let p = PreparedIndex::open(&bytes).unwrap();
        let lock = "version = 3\n\n[[package]]\nname = \"foo\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let sbom = clearinghouse_sbom::read(lock.as_bytes(), Some("Cargo.lock")).unwrap();
        let index = p.load_for(&sbom.components, NOW).unwrap();
        assert_eq!(index.len(), 1);
        let full = p.load_all(NOW).unwrap();
        assert_eq!(full.len(), 4);
        assert_eq!(crate::scan_sbom(&index, &sbom), crate::scan_sbom(&full, &sbom));
        assert_eq!(crate::scan_sbom(&index, &sbom).findings.len(), 1);
    }

    #[test]
    fn directory_alone_is_enough_to_plan() {
        let bytes = encode(&sample(), &source()).unwrap();
        let len = directory_len(&bytes[..PREAMBLE_LEN]).unwrap();
        let d = Directory::open(&bytes[..len]).unwrap();
        let n = d.records_for(Base::CratesIo, "foo").next().unwrap() as usize;
        let span = d.record_span(n).unwrap();
        let start = span.offset as usize;
        let r = d.decode(n, &bytes[start..start + span.len]).unwrap();
        assert_eq!(r.id, "B-1");
        // A truncated directory is refused, and so is a whole file opened without its records.
        assert!(Directory::open(&bytes[..len - 1]).is_err());
        assert!(PreparedIndex::open(&bytes[..len]).is_err());
    }

    #[test]
    fn damage_is_an_error() {
        let bytes = encode(&sample(), &source()).unwrap();
        assert_eq!(PreparedIndex::open(b"{\"id\": 1}").unwrap_err().code, codes::NOT_A_PREPARED_INDEX);
        let mut v = bytes.clone();
        v[8] = 2;
        assert_eq!(PreparedIndex::open(&v).unwrap_err().code, codes::UNSUPPORTED_VERSION);
        // One flipped bit in the directory: the checksum.
        let mut v = bytes.clone();
        v[PREAMBLE_LEN + 3] ^= 1;
        assert_eq!(PreparedIndex::open(&v).unwrap_err().code, codes::CORRUPT_INDEX);
        // One flipped bit in a record: opening works, reading that record does not.
        let mut v = bytes.clone();
        let last = v.len() - 2;
        v[last] ^= 1;
        let p = PreparedIndex::open(&v).unwrap();
        assert_eq!(p.all_records().filter(Result::is_err).count(), 1);
        assert_eq!(p.load_all(NOW).unwrap_err().code, codes::CORRUPT_INDEX);
        // Truncated or extended.
        assert!(PreparedIndex::open(&bytes[..bytes.len() - 1]).is_err());
        let mut v = bytes.clone();
        v.push(0);
        assert!(PreparedIndex::open(&v).is_err());
    }

    #[test]
    fn an_empty_index_is_valid() {
        let bytes = encode(&[], &source()).unwrap();
        let p = PreparedIndex::open(&bytes).unwrap();
        assert_eq!(p.record_count(), 0);
        assert!(p.records_for(Base::CratesIo, "foo").unwrap().is_empty());
    }
}
