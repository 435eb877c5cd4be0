//! The report lifecycle as an explicit state machine.
//!
//! ```text
//! received ─► triaged ─► validated ──────► in_case ─► published
//!    │           ├─────► not_reproduced      │            │
//!    │           ├─────► duplicate           ▼            ▼
//!    └──────────►├─────► invalid           closed ◄───────┘
//!                └─────► disputed
//! ```
//! The full table is [`allowed_transitions`]. Coordinators drive triage; the reporting organisation
//! may dispute an outcome it disagrees with and withdraw (close) its own report before it is in a case.

use crate::name_enum;

name_enum! {
    pub enum ReportStatus {
        Received = "received",
        Triaged = "triaged",
        Validated = "validated",
        NotReproduced = "not_reproduced",
        Duplicate = "duplicate",
        Invalid = "invalid",
        Disputed = "disputed",
        InCase = "in_case",
        Published = "published",
        Closed = "closed",
    }
}

use ReportStatus::*;

/// Every status a report may move to from `from`, whoever asks.
pub fn allowed_transitions(from: ReportStatus) -> &'static [ReportStatus] {
    match from {
        Received => &[Triaged, Validated, NotReproduced, Duplicate, Invalid, Closed],
        Triaged => &[Validated, NotReproduced, Duplicate, Invalid, Disputed, Closed],
        // A validated report may still turn out to duplicate one found later to be canonical.
        Validated => &[InCase, Duplicate, Disputed, Closed],
        NotReproduced => &[Triaged, Disputed, Closed],
        // A coordinator splitting a wrongly merged duplicate sends it back to triage.
        Duplicate => &[Triaged, Disputed, Closed],
        Invalid => &[Triaged, Disputed, Closed],
        Disputed => &[Triaged, Validated, NotReproduced, Duplicate, Invalid, Closed],
        InCase => &[Published, Closed],
        Published => &[Closed],
        // Reopening sends a closed report back to triage.
        Closed => &[Triaged],
    }
}

/// The capacity in which someone asks for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Coordinator,
    /// A principal of the organisation that submitted the report.
    Reporter,
    /// The sandbox's verdict, recorded by a validation worker: it may move a report nobody has
    /// decided on yet (received or triaged) to validated, not_reproduced or duplicate, and a report
    /// it validated to duplicate when an earlier report turns out to show the same crash; nothing else.
    Validator,
    /// Anyone else who can see the report (a vendor it was shared with, for example).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a report cannot move from {from} to {to}; from {from} it may move to: {allowed}")]
    Illegal { from: ReportStatus, to: ReportStatus, allowed: String },
    #[error("only a coordinator may move a report from {from} to {to}")]
    NotPermitted { from: ReportStatus, to: ReportStatus },
    #[error("a transition needs a reason")]
    MissingReason,
}

/// Checks one transition: legal in the machine, permitted to the actor, and explained.
pub fn check_transition(from: ReportStatus, to: ReportStatus, actor: Actor, reason: &str) -> Result<(), TransitionError> {
    let allowed = allowed_transitions(from);
    if !allowed.contains(&to) {
        let allowed = allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        return Err(TransitionError::Illegal { from, to, allowed });
    }
    if reason.trim().is_empty() {
        return Err(TransitionError::MissingReason);
    }
    let permitted = match actor {
        Actor::Coordinator => true,
        // The reporter may contest an outcome, and may withdraw a report not yet in a case.
        Actor::Reporter => to == Disputed || (to == Closed && matches!(from, Received | Triaged | NotReproduced | Invalid | Duplicate | Disputed)),
        Actor::Validator => matches!((from, to), (Received | Triaged, Validated | NotReproduced | Duplicate) | (Validated, Duplicate)),
        Actor::Other => false,
    };
    if permitted { Ok(()) } else { Err(TransitionError::NotPermitted { from, to }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reaches_closed_or_is_closed() {
        for s in ReportStatus::ALL {
            assert!(*s == Closed || allowed_transitions(*s).contains(&Closed), "{s} cannot be closed");
        }
    }

    #[test]
    fn coordinator_follows_the_table() {
        for from in ReportStatus::ALL {
            for to in ReportStatus::ALL {
                let legal = allowed_transitions(*from).contains(to);
                assert_eq!(check_transition(*from, *to, Actor::Coordinator, "because").is_ok(), legal, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn reporter_may_dispute_and_withdraw_only() {
        assert!(check_transition(NotReproduced, Disputed, Actor::Reporter, "it does reproduce").is_ok());
        assert!(check_transition(Received, Closed, Actor::Reporter, "withdrawn").is_ok());
        assert_eq!(check_transition(Received, Triaged, Actor::Reporter, "x"), Err(TransitionError::NotPermitted { from: Received, to: Triaged }));
        assert!(check_transition(InCase, Closed, Actor::Reporter, "x").is_err());
        assert!(check_transition(Triaged, Disputed, Actor::Other, "x").is_err());
    }

    #[test]
    fn the_validator_only_records_verdicts_on_undecided_reports() {
        for from in [Received, Triaged] {
            for to in [Validated, NotReproduced, Duplicate] {
                assert!(check_transition(from, to, Actor::Validator, "sandbox verdict").is_ok(), "{from} -> {to}");
            }
            assert!(check_transition(from, Invalid, Actor::Validator, "x").is_err());
        }
        // An earlier report of the same crash takes the credit from one the validator validated.
        assert!(check_transition(Validated, Duplicate, Actor::Validator, "x").is_ok());
        // A coordinator's decision stands: the validator cannot move a report out of it.
        for from in [NotReproduced, Duplicate, Disputed, InCase, Closed] {
            for to in ReportStatus::ALL {
                assert!(check_transition(from, *to, Actor::Validator, "x").is_err(), "{from} -> {to}");
            }
        }
        assert!(check_transition(Validated, InCase, Actor::Validator, "x").is_err());
    }

    #[test]
    fn illegal_transition_names_the_allowed_ones() {
        let err = check_transition(Received, Published, Actor::Coordinator, "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "a report cannot move from received to published; from received it may move to: triaged, validated, not_reproduced, duplicate, invalid, closed"
        );
        assert_eq!(check_transition(Received, Triaged, Actor::Coordinator, "  "), Err(TransitionError::MissingReason));
    }
}
