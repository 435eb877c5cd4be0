//! OSV databases on disk, read for `scan`, `db build` and `import osv`: a folder of record files
//! (searched recursively), a zip archive of them (osv.dev's `all.zip`), one record file, or a
//! prepared index written by `clearinghouse db build` (told apart by its magic bytes).
//!
//! Sources are only read, never written. A folder or zip given to `scan` is prepared once into the
//! user's cache folder (`CLEARINGHOUSE_CACHE_DIR`, else the platform's cache folder), keyed by a
//! fingerprint of the source, and the cached index is used while the fingerprint holds; a cache that
//! cannot be written only warns.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use clearinghouse_matcher::Index;
use clearinghouse_matcher::prepared::{self, Directory, PreparedIndex};
use clearinghouse_osv::{Diagnostic, Record, parse_record, parse_record_yaml};
use clearinghouse_sbom::Component;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

use crate::commands::Outcome;

/// Largest record read from a zip entry: the OSV reader refuses more anyway, and the bound keeps a
/// hostile archive (a zip bomb) from inflating entries without limit.
const MAX_ZIP_ENTRY_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries read from one archive (osv.dev's all.zip holds about a million records).
const MAX_ZIP_ENTRIES: usize = 5_000_000;

pub fn describe(d: &Diagnostic) -> String {
    if d.pointer.is_empty() { format!("{}: {}", d.code, d.message) } else { format!("{} at {}: {}", d.code, d.pointer, d.message) }
}

/// A progress bar on stderr for long runs: drawn only when stderr is a terminal, and only once the
/// work has taken more than half a second (a watcher thread shows it then, and keeps it ticking
/// through long single steps such as parsing one large SBOM). Warnings go through it so they do not
/// tear the bar.
pub struct Progress {
    bar: ProgressBar,
    done: Arc<AtomicBool>,
}

impl Progress {
    pub fn new(message: &str, total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(message.to_string());
        let done = Arc::new(AtomicBool::new(false));
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let (bar, done) = (bar.clone(), done.clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                if !done.load(Ordering::Acquire) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
            });
        }
        Progress { bar, done }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("{message}"));
    }

    pub fn finish(&self) {
        self.done.store(true, Ordering::Release);
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The four forms of an OSV database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Folder,
    Zip,
    /// One record file (JSON, or YAML by its extension).
    Record,
    Prepared,
}

fn first_bytes(path: &Path) -> [u8; 8] {
    let mut magic = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read(&mut magic);
    }
    magic
}

/// Which form `path` is: a folder; a prepared index (by its magic bytes); a zip (by its magic bytes
/// or its `.zip` name); else one record.
pub fn detect(path: &Path) -> anyhow::Result<DbKind> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read the database {}", path.display()))?;
    if meta.is_dir() {
        return Ok(DbKind::Folder);
    }
    let magic = first_bytes(path);
    if prepared::is_prepared(&magic) {
        return Ok(DbKind::Prepared);
    }
    let zip_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    Ok(if zip_name || magic.starts_with(b"PK\x03\x04") { DbKind::Zip } else { DbKind::Record })
}

fn record_kind(path: &Path) -> Option<bool> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(false),
        "yaml" | "yml" => Some(true),
        _ => None,
    }
}

/// Every record file under `dir`; symlinked folders are not followed (no cycles).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the database folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the database folder {}", dir.display()))?;
        let path = entry.path();
        let file_type = entry.file_type().with_context(|| format!("cannot read {}", path.display()))?;
        if file_type.is_dir() {
            walk(&path, out)?;
        } else if record_kind(&path).is_some() && (file_type.is_file() || path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// The record files of a folder, sorted.
fn folder_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    Ok(files)
}

/// One record file of a database, as read: its name for messages, whether it is YAML, its bytes.
pub struct RecordFile {
    pub name: String,
    pub yaml: bool,
    pub bytes: Vec<u8>,
}

impl RecordFile {
    /// The record, or why it cannot be read.
    pub fn parse(&self) -> Result<Record, String> {
        let (record, diagnostics) = if self.yaml { parse_record_yaml(&self.bytes) } else { parse_record(&self.bytes) };
        record.ok_or_else(|| {
            let why: Vec<String> = diagnostics.iter().map(describe).collect();
            format!("not a readable OSV record: {}", why.join("; "))
        })
    }
}

/// What [`RecordFiles::for_each`] hands over: a record file, or one that could not be read (already
/// named in `name`; the caller warns and goes on).
pub enum Item {
    File(RecordFile),
    Unreadable { name: String, error: String },
}

enum Inner {
    Files(Vec<PathBuf>),
    Zip(Box<zip::ZipArchive<std::io::BufReader<std::fs::File>>>),
    Prepared(Vec<u8>),
}

/// The record files of a database of any form, read one at a time (a zip of a million records is
/// never held whole). A prepared index hands over its records as JSON files.
pub struct RecordFiles {
    path: PathBuf,
    inner: Inner,
}

impl RecordFiles {
    pub fn open(path: &Path) -> anyhow::Result<RecordFiles> {
        let kind = detect(path)?;
        let inner = match kind {
            DbKind::Folder => Inner::Files(folder_files(path)?),
            DbKind::Record => Inner::Files(vec![path.to_path_buf()]),
            DbKind::Zip => {
                let file = std::fs::File::open(path).with_context(|| format!("cannot read the database {}", path.display()))?;
                let archive = zip::ZipArchive::new(std::io::BufReader::new(file))
                    .with_context(|| format!("the database {} is not a readable zip archive", path.display()))?;
                if archive.len() > MAX_ZIP_ENTRIES {
                    bail!("the database {} holds {} entries; at most {MAX_ZIP_ENTRIES} are read", path.display(), archive.len());
                }
                Inner::Zip(Box::new(archive))
            }
            DbKind::Prepared => {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read the database {}", path.display()))?;
                PreparedIndex::open(&bytes).map_err(|d| anyhow::anyhow!("the prepared index {} cannot be read: {}", path.display(), describe(&d)))?;
                Inner::Prepared(bytes)
            }
        };
        Ok(RecordFiles { path: path.to_path_buf(), inner })
    }

    /// How many files or entries [`RecordFiles::for_each`] will look at (for a progress bar).
    pub fn len(&self) -> usize {
        match &self.inner {
            Inner::Files(f) => f.len(),
            Inner::Zip(z) => z.len(),
            Inner::Prepared(bytes) => PreparedIndex::open(bytes).map(|p| p.record_count()).unwrap_or(0),
        }
    }

    /// Calls `f` with every record file in order; `progress` (when given) advances by one per file
    /// or entry looked at. Stops at the first error `f` returns. An unreadable file or entry is an
    /// [`Item::Unreadable`]; a damaged prepared index is an error.
    pub fn for_each(self, progress: Option<&Progress>, mut f: impl FnMut(Item) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let tick = || {
            if let Some(p) = progress {
                p.inc(1);
            }
        };
        match self.inner {
            Inner::Files(paths) => {
                for path in paths {
                    tick();
                    let name = path.display().to_string();
                    match std::fs::read(&path) {
                        // A single file with another extension is read as JSON.
                        Ok(bytes) => f(Item::File(RecordFile { name, yaml: record_kind(&path) == Some(true), bytes }))?,
                        Err(e) => f(Item::Unreadable { name, error: e.to_string() })?,
                    }
                }
            }
            Inner::Zip(mut archive) => {
                let db = self.path.display();
                for i in 0..archive.len() {
                    tick();
                    let mut entry = match archive.by_index(i) {
                        Ok(e) => e,
                        Err(e) => {
                            f(Item::Unreadable { name: format!("entry {i} of {db}"), error: e.to_string() })?;
                            continue;
                        }
                    };
                    // Entry names are the archive's: used only to pick the parser and to name the entry in warnings.
                    let entry_name = match entry.name() {
                        Ok(n) => n.into_owned(),
                        Err(e) => {
                            f(Item::Unreadable { name: format!("entry {i} of {db}"), error: e.to_string() })?;
                            continue;
                        }
                    };
                    let name = format!("{db}!{entry_name}");
                    let Some(yaml) = record_kind(Path::new(&entry_name)) else { continue };
                    if !entry.is_file() {
                        continue;
                    }
                    let mut bytes = Vec::new();
                    let read = (&mut entry).take(MAX_ZIP_ENTRY_BYTES + 1).read_to_end(&mut bytes);
                    drop(entry);
                    match read {
                        Ok(n) if n as u64 > MAX_ZIP_ENTRY_BYTES => {
                            f(Item::Unreadable { name, error: format!("larger than {MAX_ZIP_ENTRY_BYTES} bytes") })?;
                        }
                        Ok(_) => f(Item::File(RecordFile { name, yaml, bytes }))?,
                        Err(e) => f(Item::Unreadable { name, error: e.to_string() })?,
                    }
                }
            }
            Inner::Prepared(bytes) => {
                let index =
                    PreparedIndex::open(&bytes).map_err(|d| anyhow::anyhow!("the prepared index {} cannot be read: {}", self.path.display(), describe(&d)))?;
                let dir = index.directory();
                for n in 0..index.record_count() {
                    tick();
                    let span = dir.record_span(n).with_context(|| format!("the prepared index {} is damaged", self.path.display()))?;
                    let bytes = usize::try_from(span.offset)
                        .ok()
                        .and_then(|start| bytes.get(start..start.checked_add(span.len)?))
                        .filter(|b| prepared::checksum(b) == span.checksum)
                        .with_context(|| format!("the prepared index {} is damaged: record {n} does not match its checksum", self.path.display()))?;
                    f(Item::File(RecordFile { name: format!("{}#{n}", self.path.display()), yaml: false, bytes: bytes.to_vec() }))?;
                }
            }
        }
        Ok(())
    }
}

/// The readable records of a database, with warnings (through `progress`) for the others.
pub struct ReadRecords {
    pub records: Vec<Record>,
    /// Files or entries that could not be read or are not OSV records.
    pub skipped: usize,
}

pub fn read_records(db: &Path, verb: &str) -> anyhow::Result<ReadRecords> {
    let files = RecordFiles::open(db)?;
    let progress = Progress::new(verb, files.len() as u64);
    let mut records = Vec::new();
    let mut skipped = 0usize;
    files.for_each(Some(&progress), |item| {
        match item {
            Item::File(file) => match file.parse() {
                Ok(r) => records.push(r),
                Err(why) => {
                    progress.warn(&format!("warning: skipping {}: {why}", file.name));
                    skipped += 1;
                }
            },
            Item::Unreadable { name, error } => {
                progress.warn(&format!("warning: skipping {name}: {error}"));
                skipped += 1;
            }
        }
        Ok(())
    })?;
    progress.finish();
    if records.is_empty() {
        bail!("no readable OSV record in the database {} ({skipped} unreadable record file(s))", db.display());
    }
    Ok(ReadRecords { records, skipped })
}

/// What identifies a folder or zip's content cheaply: the program and format versions, the
/// canonical path, and for a folder every record file's relative path, size and modification
/// time, for a zip its size and modification time. SHA-256, hex.
pub fn fingerprint(db: &Path, kind: DbKind) -> anyhow::Result<String> {
    let canonical = std::fs::canonicalize(db).with_context(|| format!("cannot read the database {}", db.display()))?;
    let mut h = Sha256::new();
    h.update(format!("clearinghouse {} prepared index v{}\n", env!("CARGO_PKG_VERSION"), prepared::FORMAT_VERSION));
    h.update(format!("{kind:?}\n"));
    h.update(canonical.as_os_str().as_encoded_bytes());
    h.update(b"\n");
    let stamp = |meta: &std::fs::Metadata| {
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).unwrap_or_default();
        format!("{} {}.{:09}\n", meta.len(), mtime.as_secs(), mtime.subsec_nanos())
    };
    match kind {
        DbKind::Folder => {
            for path in folder_files(&canonical)? {
                let meta = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let rel = path.strip_prefix(&canonical).unwrap_or(&path);
                h.update(rel.as_os_str().as_encoded_bytes());
                h.update(b"\t");
                h.update(stamp(&meta));
            }
        }
        _ => {
            let meta = std::fs::metadata(&canonical).with_context(|| format!("cannot read {}", canonical.display()))?;
            h.update(stamp(&meta));
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// Writes `bytes` to `path` atomically: a new file beside it, flushed to disk when `durable` (a
/// cache need not be), then renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "index".into());
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let tmp = dir.join(format!(".{name}.{}-{nanos}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        if durable {
            f.sync_all().with_context(|| format!("cannot write {}", tmp.display()))?;
        }
        std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Where prepared indexes of folders and zips are cached: `CLEARINGHOUSE_CACHE_DIR`, else the
/// platform's cache folder for clearinghouse; `None` when neither is known.
pub fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("CLEARINGHOUSE_CACHE_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => directories::ProjectDirs::from("", "", "clearinghouse").map(|p| p.cache_dir().to_path_buf()),
    }
}

/// The index a scan works with, and what it came from.
pub struct LoadedIndex {
    pub index: Index,
    /// Records the database holds (distinct ids), whether or not loaded.
    pub total: usize,
}

/// How [`load_index`] may use the cache.
pub struct LoadOptions {
    pub cache: bool,
    pub verbose: bool,
}

fn note(opts: &LoadOptions, message: impl FnOnce() -> String) {
    if opts.verbose {
        eprintln!("{}", message());
    }
}

/// The directory of a prepared index on disk, read and validated without reading its records.
struct PreparedFile {
    file: std::fs::File,
    directory: Vec<u8>,
}

impl PreparedFile {
    fn open(path: &Path) -> anyhow::Result<PreparedFile> {
        let unreadable = |e: std::io::Error| anyhow::anyhow!("cannot read the database {}: {e}", path.display());
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let file_len = file.metadata().map_err(unreadable)?.len();
        let mut head = vec![0u8; prepared::PREAMBLE_LEN.min(usize::try_from(file_len).unwrap_or(usize::MAX))];
        file.read_exact(&mut head).map_err(unreadable)?;
        let dir_len = prepared::directory_len(&head).map_err(|d| damaged(path, &d))?;
        // Never allocate more than the file holds, whatever the preamble claims.
        if dir_len as u64 > file_len {
            return Err(damaged(
                path,
                &Diagnostic::new(prepared::codes::CORRUPT_INDEX, "", format!("truncated: {file_len} bytes, the directory needs {dir_len}")),
            ));
        }
        let mut directory = head;
        directory.resize(dir_len, 0);
        file.read_exact(&mut directory[prepared::PREAMBLE_LEN..]).map_err(unreadable)?;
        let d = Directory::open(&directory).map_err(|d| damaged(path, &d))?;
        if d.file_len() != file_len {
            return Err(damaged(
                path,
                &Diagnostic::new(prepared::codes::CORRUPT_INDEX, "", format!("{file_len} bytes where the directory says {}", d.file_len())),
            ));
        }
        Ok(PreparedFile { file, directory })
    }

    /// The fingerprint of the source it was built from (validated in `open`).
    fn fingerprint(&self) -> Option<String> {
        Directory::open(&self.directory).ok().and_then(|d| d.header().fingerprint.clone())
    }

    /// Loads the records a scan of `components` needs, reading only those.
    fn load(mut self, path: &Path, components: &[&Component], now: OffsetDateTime) -> anyhow::Result<LoadedIndex> {
        let directory = std::mem::take(&mut self.directory);
        let dir = Directory::open(&directory).map_err(|d| damaged(path, &d))?;
        let numbers = dir.needed_for(components.iter().copied());
        let progress = Progress::new("loading advisories", numbers.len() as u64);
        let mut index = Index::new();
        let mut buf = Vec::new();
        // Records are numbered in file order: reading in number order reads forward.
        for n in numbers {
            progress.inc(1);
            let n = n as usize;
            let span = dir.record_span(n).ok_or_else(|| damaged(path, &Diagnostic::new(prepared::codes::CORRUPT_INDEX, "", format!("no record {n}"))))?;
            buf.resize(span.len, 0);
            self.file
                .seek(SeekFrom::Start(span.offset))
                .and_then(|_| self.file.read_exact(&mut buf))
                .with_context(|| format!("cannot read the database {}", path.display()))?;
            index.insert(dir.decode(n, &buf).map_err(|d| damaged(path, &d))?, now);
        }
        Ok(LoadedIndex { index, total: dir.record_count() })
    }
}

fn damaged(path: &Path, d: &Diagnostic) -> anyhow::Error {
    anyhow::anyhow!("the prepared index {} cannot be read: {}", path.display(), describe(d))
}

/// Loads an index for scanning `components` from a database of any form:
/// - a prepared index: only the records the components need;
/// - a folder or zip: through the cache when allowed (built on first use, reused while the source's
///   fingerprint holds), else every record;
/// - a single record file: that record.
pub fn load_index(db: &Path, components: &[&Component], now: OffsetDateTime, opts: &LoadOptions) -> anyhow::Result<LoadedIndex> {
    let kind = detect(db)?;
    match kind {
        DbKind::Prepared => PreparedFile::open(db)?.load(db, components, now),
        DbKind::Folder | DbKind::Zip if opts.cache => {
            let Some(cache) = cache_dir() else {
                note(opts, || "no cache folder is known (set CLEARINGHOUSE_CACHE_DIR); reading every record".into());
                return load_every_record(db, now);
            };
            let fingerprint = fingerprint(db, kind)?;
            let canonical = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
            let name: String = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes())).chars().take(32).collect();
            let cached = cache.join("osv-indexes").join(format!("{name}.clhidx"));
            if cached.is_file() {
                match PreparedFile::open(&cached) {
                    Ok(file) if file.fingerprint().as_deref() == Some(fingerprint.as_str()) => {
                        note(opts, || format!("using the cached index {} of {}", cached.display(), db.display()));
                        match file.load(&cached, components, now) {
                            Ok(loaded) => return Ok(loaded),
                            Err(e) => eprintln!("warning: the cached index cannot be used ({e:#}); rebuilding it"),
                        }
                    }
                    Ok(_) => note(opts, || format!("the cached index {} is out of date; rebuilding it", cached.display())),
                    Err(e) => eprintln!("warning: the cached index cannot be used ({e:#}); rebuilding it"),
                }
            }
            let started = Instant::now();
            let read = read_records(db, "reading advisories")?;
            let source = canonical.display().to_string();
            let bytes = prepared::encode(&read.records, &prepared::Source { description: &source, built_at: now, fingerprint: Some(&fingerprint) })
                .map_err(|d| anyhow::anyhow!("cannot prepare an index of {}: {}", db.display(), describe(&d)))?;
            let written =
                std::fs::create_dir_all(cached.parent().unwrap_or(&cache)).map_err(anyhow::Error::from).and_then(|()| write_atomically(&cached, &bytes, false));
            match written {
                Ok(()) => note(opts, || {
                    format!(
                        "built the cached index {} ({} records, {} bytes) in {:.2} s",
                        cached.display(),
                        read.records.len(),
                        bytes.len(),
                        started.elapsed().as_secs_f64()
                    )
                }),
                Err(e) => eprintln!("warning: cannot write the index cache ({e:#}); scanning without it"),
            }
            drop(read);
            let index = PreparedIndex::open(&bytes).map_err(|d| anyhow::anyhow!("the index just built is unreadable: {}", describe(&d)))?;
            let loaded = index.load_for(components.iter().copied(), now).map_err(|d| anyhow::anyhow!("{}", describe(&d)))?;
            Ok(LoadedIndex { index: loaded, total: index.record_count() })
        }
        DbKind::Folder | DbKind::Zip | DbKind::Record => load_every_record(db, now),
    }
}

/// Every readable record of a folder, zip or record file in one index.
fn load_every_record(db: &Path, now: OffsetDateTime) -> anyhow::Result<LoadedIndex> {
    let read = read_records(db, "reading advisories")?;
    let mut index = Index::new();
    for r in read.records {
        index.insert(r, now);
    }
    let total = index.len();
    Ok(LoadedIndex { index, total })
}

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Prepare an OSV database (folder, zip or record) as an index file that `scan --db` reads fast:
    /// a scan then parses only the records of the packages it looks up.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The OSV database: a folder of records (searched recursively), a zip of records, one record, or a prepared index.
    pub source: PathBuf,
    /// The index file to write (replaced atomically).
    #[arg(long, short)]
    pub output: PathBuf,
}

pub fn db(cmd: DbCmd, json_out: bool) -> anyhow::Result<Outcome> {
    match cmd {
        DbCmd::Build(args) => build(&args, json_out),
    }
}

fn build(args: &BuildArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let kind = detect(&args.source)?;
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(&args.source), std::fs::canonicalize(&args.output))
        && a == b
    {
        bail!("the output {} is the source: sources are never written", args.output.display());
    }
    let fingerprint = fingerprint(&args.source, kind)?;
    let read = read_records(&args.source, "reading advisories")?;
    let source = std::fs::canonicalize(&args.source).unwrap_or_else(|_| args.source.clone()).display().to_string();
    let bytes =
        prepared::encode(&read.records, &prepared::Source { description: &source, built_at: OffsetDateTime::now_utc(), fingerprint: Some(&fingerprint) })
            .map_err(|d| anyhow::anyhow!("cannot prepare an index of {}: {}", args.source.display(), describe(&d)))?;
    let index = PreparedIndex::open(&bytes).map_err(|d| anyhow::anyhow!("the index just built is unreadable: {}", describe(&d)))?;
    write_atomically(&args.output, &bytes, true)?;
    let seconds = started.elapsed().as_secs_f64();
    let records = index.record_count();
    let duplicates = read.records.len() - records;
    if json_out {
        let summary = json!({
            "output": args.output.display().to_string(),
            "source": source,
            "records": records,
            "duplicates": duplicates,
            "skipped": read.skipped,
            "package_keys": index.directory().key_count(),
            "bytes": bytes.len(),
            "seconds": seconds,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "Wrote {}: {records} records ({} package keys{}), {} unreadable skipped, {} bytes, in {seconds:.2} s.",
            args.output.display(),
            index.directory().key_count(),
            if duplicates > 0 { format!(", {duplicates} older copies of the same ids dropped") } else { String::new() },
            read.skipped,
            bytes.len()
        );
    }
    Ok(Outcome::Ok)
}
