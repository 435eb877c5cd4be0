//! Sealing at rest: proof-of-concept files and the bodies of AMBER+STRICT and RED reports are
//! encrypted with XChaCha20-Poly1305 under a key kept outside the database.
//!
//! A keyring is a folder of key files `<id>.key` (32 random bytes, hex) and a file `current` naming
//! the key new data is sealed with. Rotation adds a key and moves `current`; old keys stay, so old
//! data stays readable. Every sealed value names its key, so a keyring with several keys opens all
//! of them. Sealed format: `CHS1` | key id (u32, big-endian) | 24-byte nonce | ciphertext and tag.
//! The associated data binds a sealed value to where it belongs (a blob's hash, a report's id), so
//! ciphertext copied to another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"CHS1";
const HEADER: usize = 4 + 4 + 24;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("keyring {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("keyring {path}: {message}")]
    BadKeyring { path: PathBuf, message: String },
    #[error("sealed value names key {0}, which this keyring does not have")]
    UnknownKey(u32),
    #[error("sealed value is damaged or belongs elsewhere")]
    Damaged,
}

pub struct Keyring {
    keys: BTreeMap<u32, XChaCha20Poly1305>,
    current: u32,
    dir: PathBuf,
}

impl std::fmt::Debug for Keyring {
    // Never prints key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("dir", &self.dir).field("current", &self.current).field("keys", &self.keys.len()).finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SealError + '_ {
    move |source| SealError::Io { path: path.to_path_buf(), source }
}

/// Writes a private (0600) file under a unique temporary name, synced, for linking or renaming into place.
fn write_temp(path: &Path, contents: &[u8]) -> Result<PathBuf, SealError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp.{}.{}", std::process::id(), rand::rng().next_u64()));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io_err(&tmp))?;
    f.write_all(contents).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    Ok(tmp)
}

/// Replaces `path` atomically.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), SealError> {
    let tmp = write_temp(path, contents)?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// Creates `path` only if it does not exist (a hard link fails on an existing name), so several
/// processes starting on one fresh key folder agree on a single first key.
fn create_private(path: &Path, contents: &[u8]) -> Result<(), SealError> {
    let tmp = write_temp(path, contents)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(SealError::Io { path: path.to_path_buf(), source: e }),
    }
}

impl Keyring {
    /// Opens the keyring in `dir`, creating it with a first key when the folder has none.
    pub fn open_or_create(dir: &Path) -> Result<Self, SealError> {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.join("current").exists() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io_err(dir))?;
            if Self::key_ids(dir)?.is_empty() {
                create_private(&dir.join("1.key"), format!("{}\n", hex::encode(Self::fresh_key())).as_bytes())?;
            }
            create_private(&dir.join("current"), b"1\n")?;
        }
        Self::open(dir)
    }

    /// Opens an existing keyring.
    pub fn open(dir: &Path) -> Result<Self, SealError> {
        let bad = |message: String| SealError::BadKeyring { path: dir.to_path_buf(), message };
        let current_path = dir.join("current");
        let current: u32 = std::fs::read_to_string(&current_path)
            .map_err(io_err(&current_path))?
            .trim()
            .parse()
            .map_err(|_| bad("`current` does not hold a key id".into()))?;
        let mut keys = BTreeMap::new();
        for id in Self::key_ids(dir)? {
            let path = dir.join(format!("{id}.key"));
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            let bytes = hex::decode(text.trim()).map_err(|_| bad(format!("{id}.key is not hex")))?;
            if bytes.len() != 32 {
                return Err(bad(format!("{id}.key is not 32 bytes")));
            }
            keys.insert(id, XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| bad(format!("{id}.key is unusable")))?);
        }
        if !keys.contains_key(&current) {
            return Err(bad(format!("current key {current} has no key file")));
        }
        Ok(Self { keys, current, dir: dir.to_path_buf() })
    }

    fn key_ids(dir: &Path) -> Result<Vec<u32>, SealError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(SealError::Io { path: dir.to_path_buf(), source: e }),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(dir))?;
            let name = entry.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".key")).and_then(|n| n.parse().ok()) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    fn fresh_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    }

    /// Adds a new key and makes it current; returns its id. Data sealed before stays readable.
    pub fn rotate(dir: &Path) -> Result<u32, SealError> {
        let existing = Self::open(dir)?;
        let id = existing.keys.keys().max().copied().unwrap_or(0) + 1;
        create_private(&dir.join(format!("{id}.key")), format!("{}\n", hex::encode(Self::fresh_key())).as_bytes())?;
        write_private(&dir.join("current"), format!("{id}\n").as_bytes())?;
        Ok(id)
    }

    pub fn current_key_id(&self) -> u32 {
        self.current
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Seals `plaintext` under the current key, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let cipher = &self.keys[&self.current];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: context })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(HEADER + ct.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.current.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Whether `data` carries the sealed-value header.
    pub fn is_sealed(data: &[u8]) -> bool {
        data.len() >= HEADER && &data[..4] == MAGIC
    }

    /// Opens a value sealed by [`Keyring::seal`] with the same `context`.
    pub fn open_sealed(&self, data: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        if !Self::is_sealed(data) {
            return Err(SealError::Damaged);
        }
        let id = u32::from_be_bytes(data[4..8].try_into().expect("4 bytes"));
        let cipher = self.keys.get(&id).ok_or(SealError::UnknownKey(id))?;
        cipher.decrypt(XNonce::from_slice(&data[8..HEADER]), Payload { msg: &data[HEADER..], aad: context }).map_err(|_| SealError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::open_or_create(dir.path()).unwrap();
        let sealed = ring.seal(b"secret poc", b"blob:abc");
        assert!(Keyring::is_sealed(&sealed));
        assert!(!sealed.windows(10).any(|w| w == b"secret poc"));
        assert_eq!(ring.open_sealed(&sealed, b"blob:abc").unwrap(), b"secret poc");
        assert!(matches!(ring.open_sealed(&sealed, b"blob:other"), Err(SealError::Damaged)));

        assert_eq!(Keyring::rotate(dir.path()).unwrap(), 2);
        let ring2 = Keyring::open(dir.path()).unwrap();
        assert_eq!(ring2.current_key_id(), 2);
        assert_eq!(ring2.open_sealed(&sealed, b"blob:abc").unwrap(), b"secret poc", "old data stays readable");
        let newer = ring2.seal(b"x", b"");
        assert_eq!(u32::from_be_bytes(newer[4..8].try_into().unwrap()), 2);
        assert!(matches!(ring.open_sealed(&newer, b""), Err(SealError::UnknownKey(2))));

        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.path().join("2.key")).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn processes_racing_on_a_fresh_folder_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let rings: Vec<Keyring> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| Keyring::open_or_create(&keys).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sealed = rings[0].seal(b"x", b"");
        for r in &rings {
            assert_eq!(r.open_sealed(&sealed, b"").unwrap(), b"x");
        }
        let leftovers = std::fs::read_dir(&keys).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("tmp")).count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn damaged_values_and_keyrings_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::open_or_create(dir.path()).unwrap();
        let mut sealed = ring.seal(b"abc", b"");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(ring.open_sealed(&sealed, b""), Err(SealError::Damaged)));
        assert!(matches!(ring.open_sealed(b"CHS1", b""), Err(SealError::Damaged)));
        std::fs::write(dir.path().join("current"), "7\n").unwrap();
        assert!(matches!(Keyring::open(dir.path()), Err(SealError::BadKeyring { .. })));
    }
}
