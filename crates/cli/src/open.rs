//! Opening the configured store, blob store and keyring: shared by `serve`, `audit verify` and `keys`.

use crate::config::{BlobBackend, Settings, Synchronous};
use anyhow::Context;
use clearinghouse_store::Store;
use clearinghouse_store::blob::{BlobStore, FsBlobStore, SealedBlobs};
use clearinghouse_store::keyring::Keyring;
use clearinghouse_store_postgres::PostgresStore;
use clearinghouse_store_sqlite::{Durability, SqliteStore};
use std::sync::Arc;

pub struct Opened {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<SealedBlobs>,
}

pub fn create_private_dir(path: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path).with_context(|| format!("creating {}", path.display()))
}

pub async fn open(settings: &Settings) -> anyhow::Result<Opened> {
    create_private_dir(&settings.data_dir)?;
    let keyring = Arc::new(Keyring::open_or_create(&settings.key_dir).context("opening the encryption keyring")?);
    match settings.database_url.as_deref() {
        Some(url) if url.starts_with("postgres") => {
            let pg = PostgresStore::connect(url, keyring.clone(), settings.pg_max_connections).await.context("connecting to PostgreSQL")?;
            let blob_store: Arc<dyn BlobStore> = match settings.blob_store {
                BlobBackend::Database => Arc::new(pg.blob_store()),
                BlobBackend::Fs => Arc::new(FsBlobStore::new(settings.data_dir.join("blobs"))?),
            };
            Ok(Opened { store: Arc::new(pg), blobs: Arc::new(SealedBlobs::new(blob_store, keyring)) })
        }
        other => {
            let path = match other.and_then(|u| u.strip_prefix("sqlite:")) {
                Some(p) => std::path::PathBuf::from(p.trim_start_matches("//")),
                None => settings.data_dir.join("clearinghouse.db"),
            };
            let durability = match settings.synchronous {
                Synchronous::Normal => Durability::Normal,
                Synchronous::Full => Durability::Full,
            };
            let store = SqliteStore::open(&path, keyring.clone(), durability).await.with_context(|| format!("opening {}", path.display()))?;
            let blob_store: Arc<dyn BlobStore> = Arc::new(FsBlobStore::new(settings.data_dir.join("blobs"))?);
            Ok(Opened { store: Arc::new(store), blobs: Arc::new(SealedBlobs::new(blob_store, keyring)) })
        }
    }
}
