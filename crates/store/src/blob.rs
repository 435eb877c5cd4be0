//! Content-addressed blob storage for proof-of-concept files (and later patches and evaluation
//! artifacts). Blobs are addressed by the SHA-256 of their plaintext; [`SealedBlobs`] seals what it
//! stores with the keyring, bound to that address.

use crate::keyring::Keyring;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store I/O at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("blob address {0:?} is not a SHA-256 hex digest")]
    BadAddress(String),
    #[error("blob {0} does not match its address")]
    Corrupt(String),
    #[error(transparent)]
    Sealing(#[from] crate::keyring::SealError),
    #[error("blob backend: {0}")]
    Backend(String),
}

/// Where blobs live. Implementations: [`FsBlobStore`] (the data folder) and the PostgreSQL table in
/// `clearinghouse-store-postgres`; an S3-compatible store fits the same trait.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `address`. Idempotent: storing the same address twice is fine.
    async fn put(&self, address: &str, bytes: &[u8]) -> Result<(), BlobError>;
    async fn get(&self, address: &str) -> Result<Option<Vec<u8>>, BlobError>;
    async fn delete(&self, address: &str) -> Result<(), BlobError>;
}

pub fn check_address(address: &str) -> Result<(), BlobError> {
    if address.len() == 64 && address.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(BlobError::BadAddress(address.to_string()))
    }
}

/// Blobs as files under a folder, `ab/cdef…`, written to a temporary file, synced and renamed, so
/// a crash leaves either the whole blob or none.
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|source| BlobError::Io { path: root.clone(), source })?;
        Ok(Self { root })
    }

    fn path(&self, address: &str) -> PathBuf {
        self.root.join(&address[..2]).join(&address[2..])
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io { path: path.to_path_buf(), source }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, address: &str, bytes: &[u8]) -> Result<(), BlobError> {
        check_address(address)?;
        let path = self.path(address);
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> Result<(), BlobError> {
            use std::io::Write;
            let dir = path.parent().expect("blob paths have a parent");
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
            tmp.write_all(&bytes).map_err(io(&path))?;
            tmp.as_file().sync_all().map_err(io(&path))?;
            tmp.persist(&path).map_err(|e| BlobError::Io { path: path.clone(), source: e.error })?;
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
            Ok(())
        })
        .await
        .map_err(|e| BlobError::Backend(e.to_string()))?
    }

    async fn get(&self, address: &str) -> Result<Option<Vec<u8>>, BlobError> {
        check_address(address)?;
        let path = self.path(address);
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError::Io { path, source: e }),
        }
    }

    async fn delete(&self, address: &str) -> Result<(), BlobError> {
        check_address(address)?;
        let path = self.path(address);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError::Io { path, source: e }),
        }
    }
}

/// Seals every blob it stores and checks every blob it returns against its address.
pub struct SealedBlobs {
    inner: Arc<dyn BlobStore>,
    keyring: Arc<Keyring>,
}

impl SealedBlobs {
    pub fn new(inner: Arc<dyn BlobStore>, keyring: Arc<Keyring>) -> Self {
        Self { inner, keyring }
    }

    fn context(address: &str) -> Vec<u8> {
        format!("blob:{address}").into_bytes()
    }

    pub async fn put(&self, address: &str, plaintext: &[u8]) -> Result<(), BlobError> {
        check_address(address)?;
        if hex::encode(<sha2::Sha256 as sha2::Digest>::digest(plaintext)) != address {
            return Err(BlobError::Corrupt(address.to_string()));
        }
        let sealed = self.keyring.seal(plaintext, &Self::context(address));
        self.inner.put(address, &sealed).await
    }

    pub async fn get(&self, address: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let Some(sealed) = self.inner.get(address).await? else { return Ok(None) };
        let plain = self.keyring.open_sealed(&sealed, &Self::context(address))?;
        if hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&plain)) != address {
            return Err(BlobError::Corrupt(address.to_string()));
        }
        Ok(Some(plain))
    }

    pub async fn delete(&self, address: &str) -> Result<(), BlobError> {
        self.inner.delete(address).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sealed_fs_blobs_round_trip_and_are_encrypted_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Arc::new(Keyring::open_or_create(&dir.path().join("keys")).unwrap());
        let fs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::new(dir.path().join("blobs")).unwrap());
        let blobs = SealedBlobs::new(fs.clone(), ring);
        let data = b"int main(){char b[4]; b[8]=1;}";
        let addr = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data));
        blobs.put(&addr, data).await.unwrap();
        blobs.put(&addr, data).await.unwrap();
        assert_eq!(blobs.get(&addr).await.unwrap().unwrap(), data);
        let raw = fs.get(&addr).await.unwrap().unwrap();
        assert!(Keyring::is_sealed(&raw) && !raw.windows(8).any(|w| w == b"int main"));
        assert!(matches!(blobs.put(&"0".repeat(64), data).await, Err(BlobError::Corrupt(_))));
        assert!(matches!(blobs.get("../../etc/passwd").await, Err(BlobError::BadAddress(_))));
        assert_eq!(blobs.get(&"1".repeat(64)).await.unwrap(), None);
        blobs.delete(&addr).await.unwrap();
        assert_eq!(blobs.get(&addr).await.unwrap(), None);
    }
}
