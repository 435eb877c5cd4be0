//! What came out of one run.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Termination {
    /// The program exited with this status.
    Exited { code: i32 },
    /// The program was killed by this signal (its own crash, or RLIMIT_CPU's SIGXCPU/SIGKILL).
    Signaled { signal: i32 },
    /// The wall-clock limit passed; the whole tree was killed.
    TimedOut,
    /// The tree's resident memory passed the limit; the whole tree was killed.
    MemoryExceeded,
    /// The sandbox could not be set up or the program not started: nothing of the proof ran, or
    /// not all of it. The message says which step failed.
    SetupFailed { message: String },
}

/// One captured stream: the first `limit` bytes, and how many there were in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captured {
    #[serde(serialize_with = "ser_b64", deserialize_with = "de_b64")]
    pub bytes: Vec<u8>,
    /// Bytes the program wrote to the stream, kept or not.
    pub total: u64,
}

impl Captured {
    pub fn truncated(&self) -> bool {
        self.total > self.bytes.len() as u64
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// What isolation was in force for the run, as the helper applied it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub backend: String,
    pub namespaces: bool,
    /// Landlock ABI in force, 0 when none.
    pub landlock_abi: i32,
    pub seccomp: bool,
    /// Host user id the program ran as.
    pub host_uid: u32,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub termination: Termination,
    pub wall_ms: u64,
    /// User plus system CPU time of the tree.
    pub cpu_ms: u64,
    pub stdout: Captured,
    pub stderr: Captured,
    pub applied: Applied,
}

impl Outcome {
    pub fn setup_failed(message: impl Into<String>) -> Self {
        Self {
            termination: Termination::SetupFailed { message: message.into() },
            wall_ms: 0,
            cpu_ms: 0,
            stdout: Captured::default(),
            stderr: Captured::default(),
            applied: Applied::default(),
        }
    }
}

fn ser_b64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn de_b64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD.decode(s).map_err(serde::de::Error::custom)
}
