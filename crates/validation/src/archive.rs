//! A bundle as it arrives with a report: a tar archive, plain or gzipped, holding `bundle.toml` at
//! its root or in its one top folder. Unpacking is the host's only contact with the archive, so it
//! takes regular files and folders only (no links of any kind, no devices), names that stay inside,
//! and bounded sizes (a gzip bomb stops at the byte limit); every problem is a diagnostic.

use crate::bundle::MANIFEST;
use crate::runner::{MAX_BUNDLE_BYTES, MAX_BUNDLE_ENTRIES};
use clearinghouse_model::diagnostic::Diagnostic;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

pub mod codes {
    pub const NOT_AN_ARCHIVE: &str = "bundle_not_an_archive";
    pub const BAD_ENTRY: &str = "bundle_bad_entry";
    pub const TOO_LARGE: &str = "bundle_too_large";
    pub const NO_MANIFEST: &str = "bundle_no_manifest";
    pub const IO: &str = "bundle_io";
}

/// Unpacks `bytes` into the empty folder `into` and returns the bundle's folder (where
/// `bundle.toml` is).
pub fn unpack(bytes: &[u8], into: &Path) -> Result<PathBuf, Vec<Diagnostic>> {
    let reader: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) { Box::new(flate2::read::GzDecoder::new(bytes)) } else { Box::new(bytes) };
    // The byte limit counts decompressed bytes, whatever the headers claim.
    let mut archive = tar::Archive::new(reader.take(MAX_BUNDLE_BYTES + 1));
    let mut problems = Vec::new();
    let mut written: u64 = 0;
    let entries = archive.entries().map_err(|e| vec![Diagnostic::new(codes::NOT_AN_ARCHIVE, "", format!("not a tar archive: {e}"))])?;
    for (i, entry) in entries.enumerate() {
        let pointer = format!("/entries/{i}");
        if i >= MAX_BUNDLE_ENTRIES {
            problems.push(Diagnostic::new(codes::TOO_LARGE, "", format!("more than {MAX_BUNDLE_ENTRIES} entries")));
            break;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Diagnostic::new(codes::NOT_AN_ARCHIVE, &pointer, format!("unreadable entry: {e}")));
                break;
            }
        };
        let name = match entry.path() {
            Ok(p) => p.into_owned(),
            Err(e) => {
                problems.push(Diagnostic::new(codes::BAD_ENTRY, &pointer, format!("unreadable name: {e}")));
                continue;
            }
        };
        let shown = name.display().to_string();
        if shown.len() > 4096 || !name.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) || name.as_os_str().is_empty() {
            problems.push(Diagnostic::new(codes::BAD_ENTRY, &pointer, format!("{shown:?}: names must be relative and stay inside the bundle")));
            continue;
        }
        let target = into.join(&name);
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            if let Err(e) = std::fs::create_dir_all(&target) {
                problems.push(Diagnostic::new(codes::IO, &pointer, format!("{shown}: {e}")));
            }
        } else if kind.is_file() {
            written += entry.header().size().unwrap_or(0);
            if written > MAX_BUNDLE_BYTES {
                problems.push(Diagnostic::new(codes::TOO_LARGE, &pointer, format!("the bundle holds more than {MAX_BUNDLE_BYTES} bytes")));
                break;
            }
            let executable = entry.header().mode().map(|m| m & 0o111 != 0).unwrap_or(false);
            if let Err(e) = write_file(&mut entry, &target, executable) {
                problems.push(Diagnostic::new(codes::IO, &pointer, format!("{shown}: {e}")));
            }
        } else if matches!(kind, tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName) {
            // Metadata the tar crate applies itself.
        } else {
            problems.push(Diagnostic::new(codes::BAD_ENTRY, &pointer, format!("{shown}: only files and folders are taken, not links or devices")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    bundle_root(into).ok_or_else(|| vec![Diagnostic::new(codes::NO_MANIFEST, "", format!("no {MANIFEST} at the archive's root or in its one top folder"))])
}

fn write_file(entry: &mut impl Read, target: &Path, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // create_new: an entry never overwrites an earlier one (nor follows anything placed there).
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(target)?;
    std::io::copy(entry, &mut file)?;
    std::fs::set_permissions(target, std::fs::Permissions::from_mode(if executable { 0o755 } else { 0o644 }))
}

fn bundle_root(dir: &Path) -> Option<PathBuf> {
    if dir.join(MANIFEST).is_file() {
        return Some(dir.to_path_buf());
    }
    let entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    match entries.as_slice() {
        [only] if only.path().join(MANIFEST).is_file() => Some(only.path()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn a_bundle_at_the_root_or_in_one_folder_unpacks() {
        let d = tempfile::tempdir().unwrap();
        let root = unpack(&tar_of(&[("bundle.toml", b"format = 1"), ("src/poc.c", b"int main;")]), d.path()).unwrap();
        assert_eq!(root, d.path());
        assert_eq!(std::fs::read(root.join("src/poc.c")).unwrap(), b"int main;");
        let d = tempfile::tempdir().unwrap();
        let root = unpack(&tar_of(&[("b/bundle.toml", b"format = 1")]), d.path()).unwrap();
        assert_eq!(root, d.path().join("b"));
    }

    #[test]
    fn gzip_is_read_too() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar_of(&[("bundle.toml", b"format = 1")])).unwrap();
        let d = tempfile::tempdir().unwrap();
        assert!(unpack(&gz.finish().unwrap(), d.path()).is_ok());
    }

    #[test]
    fn links_escapes_and_garbage_are_refused_with_diagnostics() {
        let d = tempfile::tempdir().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_cksum();
        b.append_link(&mut h, "bundle.toml", "/etc/shadow").unwrap();
        let problems = unpack(&b.into_inner().unwrap(), d.path()).unwrap_err();
        assert_eq!(problems[0].code, codes::BAD_ENTRY);
        assert!(std::fs::symlink_metadata(d.path().join("bundle.toml")).is_err(), "no link was made");

        // A name that climbs out, written into the header by hand (the builder refuses to).
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..12].copy_from_slice(b"../escape.tx");
        h.set_size(1);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, &b"x"[..]).unwrap();
        let d = tempfile::tempdir().unwrap();
        let problems = unpack(&b.into_inner().unwrap(), d.path()).unwrap_err();
        assert_eq!(problems[0].code, codes::BAD_ENTRY, "{problems:?}");
        assert!(!d.path().parent().unwrap().join("escape.tx").exists());

        let d = tempfile::tempdir().unwrap();
        assert!(unpack(b"this is not a tar archive at all, not even close", d.path()).is_err());
        assert_eq!(unpack(&tar_of(&[("readme", b"x")]), d.path()).unwrap_err()[0].code, codes::NO_MANIFEST);
    }
}
