//! The Clearinghouse domain model.
//!
//! Architecture invariant: this crate does no I/O. No network, no database, no file system and no
//! clock: every function that needs "now" takes it as an argument. That keeps every rule here
//! testable by value and lets the store and server crates be the only places that touch the world.

pub mod audit;
pub mod diagnostic;
pub mod ids;
pub mod lifecycle;
pub mod org;
pub mod policy;
pub mod report;
pub mod tlp;
pub mod validate;

pub use diagnostic::Diagnostic;
pub use ids::ReportId;
pub use lifecycle::ReportStatus;
pub use org::{OrgKind, Role, Sector};
pub use policy::{Access, Viewer};
pub use tlp::Tlp;
