//! The one policy point: who may see and relabel a record under TLP 2.0.
//!
//! Architecture invariant: every read path of the server, and everything derived from a record
//! (lists, counts, links, duplicates, findings), asks [`can_read`]. Nothing else in the code base
//! decides visibility, so a rule changed here is changed everywhere. Callers answer "not found" when
//! `can_read` is false, never "forbidden", so that a denied caller cannot learn a record exists.

use crate::org::Role;
use crate::tlp::Tlp;
use uuid::Uuid;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// No token, or no valid token on a route that allows anonymous reads.
    Anonymous,
    Principal(PrincipalView),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalView {
    pub principal_id: Uuid,
    pub org_id: Uuid,
    pub role: Role,
    /// The platform role of the clearinghouse's own analysts.
    pub coordinator: bool,
}

impl Viewer {
    pub fn principal(&self) -> Option<&PrincipalView> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Principal(p) => Some(p),
        }
    }

    pub fn is_coordinator(&self) -> bool {
        self.principal().is_some_and(|p| p.coordinator)
    }
}

/// What the policy needs to know about a record.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    pub tlp: Tlp,
    /// The organisation that originated the record.
    pub owner_org: Uuid,
    /// The principal that submitted it; always counts as named.
    pub submitter: Uuid,
    /// Organisations the record was explicitly shared with.
    pub shared_orgs: &'a [Uuid],
    /// Principals the record was explicitly shared with (the only way to widen RED).
    pub named_principals: &'a [Uuid],
}

/// Whether `viewer` may see the record at all.
pub fn can_read(viewer: &Viewer, access: &Access<'_>) -> bool {
    if access.tlp == Tlp::Clear {
        return true;
    }
    let Some(p) = viewer.principal() else {
        return false;
    };
    let named = p.principal_id == access.submitter || access.named_principals.contains(&p.principal_id);
    match access.tlp {
        Tlp::Clear => true,
        Tlp::Green => true,
        // AMBER and AMBER+STRICT differ in who may be *added* (see `may_share_automatically`), not in
        // who reads once added: the owning org, coordinators, and the orgs or principals named.
        Tlp::Amber | Tlp::AmberStrict => p.org_id == access.owner_org || p.coordinator || access.shared_orgs.contains(&p.org_id) || named,
        // RED: named principals only. A coordinator sees RED only when named.
        Tlp::Red => named,
    }
}

/// Whether the clearinghouse itself may widen the audience under this label without the
/// originator naming the recipient (for example routing an AMBER report to the affected vendor).
/// TLP 2.0: AMBER may be shared on a need-to-know basis; AMBER+STRICT stays inside the named
/// organisations; RED stays with the named people.
pub fn may_share_automatically(tlp: Tlp) -> bool {
    tlp <= Tlp::Amber
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller may not see the record: answer 404.
    #[error("not found")]
    NotVisible,
    /// The caller sees the record but may not make this change: answer 403.
    #[error("{0}")]
    NotAllowed(&'static str),
}

/// Whether `viewer` may manage the record (change its label, share it): the originating
/// organisation's admins, its submitter, and coordinators, provided they can see it.
pub fn can_manage(viewer: &Viewer, access: &Access<'_>) -> Result<(), Denied> {
    if !can_read(viewer, access) {
        return Err(Denied::NotVisible);
    }
    if originator_or_coordinator(viewer, access) {
        Ok(())
    } else {
        Err(Denied::NotAllowed("only the originating organisation's admins, the submitter or a coordinator may manage this record"))
    }
}

/// The submitter, an admin of the originating organisation, or a coordinator.
fn originator_or_coordinator(viewer: &Viewer, access: &Access<'_>) -> bool {
    viewer.principal().is_some_and(|p| p.coordinator || p.principal_id == access.submitter || (p.org_id == access.owner_org && p.role.administers()))
}

/// Whether `viewer` may change the record's label to `new`. Raising is open to anyone who may manage
/// the record; lowering only to the originator or a coordinator (TLP 2.0: the source sets the label).
pub fn can_relabel(viewer: &Viewer, access: &Access<'_>, new: Tlp) -> Result<(), Denied> {
    can_manage(viewer, access)?;
    if new >= access.tlp {
        return Ok(());
    }
    // Managing and lowering are open to the same people today; kept apart because TLP 2.0 ties
    // lowering to the source, and management may widen (to case participants) when cases arrive.
    if originator_or_coordinator(viewer, access) { Ok(()) } else { Err(Denied::NotAllowed("only the originator or a coordinator may lower a TLP label")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(org: Uuid, role: Role, coordinator: bool) -> (Uuid, Viewer) {
        let id = Uuid::new_v4();
        (id, Viewer::Principal(PrincipalView { principal_id: id, org_id: org, role, coordinator }))
    }

    struct World {
        owner_org: Uuid,
        submitter: Uuid,
        submitter_v: Viewer,
        colleague: Viewer,
        coordinator: Viewer,
        shared: Viewer,
        shared_org: Uuid,
        named: Viewer,
        named_id: Uuid,
        stranger: Viewer,
    }

    fn world() -> World {
        let owner_org = Uuid::new_v4();
        let shared_org = Uuid::new_v4();
        let (submitter, submitter_v) = principal(owner_org, Role::Member, false);
        let (_, colleague) = principal(owner_org, Role::Member, false);
        let (_, coordinator) = principal(Uuid::new_v4(), Role::Analyst, true);
        let (_, shared) = principal(shared_org, Role::Member, false);
        let (named_id, named) = principal(Uuid::new_v4(), Role::Member, false);
        let (_, stranger) = principal(Uuid::new_v4(), Role::Admin, false);
        World { owner_org, submitter, submitter_v, colleague, coordinator, shared, shared_org, named, named_id, stranger }
    }

    #[test]
    fn the_tlp_matrix() {
        let w = world();
        let shared_orgs = [w.shared_org];
        let named = [w.named_id];
        let access = |tlp| Access { tlp, owner_org: w.owner_org, submitter: w.submitter, shared_orgs: &shared_orgs, named_principals: &named };
        // (viewer, CLEAR, GREEN, AMBER, AMBER+STRICT, RED)
        let rows: [(&str, &Viewer, [bool; 5]); 7] = [
            ("anonymous", &Viewer::Anonymous, [true, false, false, false, false]),
            ("submitter", &w.submitter_v, [true, true, true, true, true]),
            ("colleague", &w.colleague, [true, true, true, true, false]),
            ("coordinator", &w.coordinator, [true, true, true, true, false]),
            ("shared org", &w.shared, [true, true, true, true, false]),
            ("named principal", &w.named, [true, true, true, true, true]),
            ("stranger", &w.stranger, [true, true, false, false, false]),
        ];
        for (name, viewer, expected) in rows {
            for (tlp, want) in Tlp::ALL.into_iter().zip(expected) {
                assert_eq!(can_read(viewer, &access(tlp)), want, "{name} reading {tlp}");
            }
        }
    }

    #[test]
    fn named_coordinator_sees_red() {
        let w = world();
        let Viewer::Principal(c) = w.coordinator else { unreachable!() };
        let named = [c.principal_id];
        let a = Access { tlp: Tlp::Red, owner_org: w.owner_org, submitter: w.submitter, shared_orgs: &[], named_principals: &named };
        assert!(can_read(&w.coordinator, &a));
    }

    #[test]
    fn only_originator_or_coordinator_lowers() {
        let w = world();
        let shared_orgs = [w.shared_org];
        let a = Access { tlp: Tlp::Amber, owner_org: w.owner_org, submitter: w.submitter, shared_orgs: &shared_orgs, named_principals: &[] };
        assert_eq!(can_relabel(&w.submitter_v, &a, Tlp::Green), Ok(()));
        assert_eq!(can_relabel(&w.coordinator, &a, Tlp::Clear), Ok(()));
        assert!(matches!(can_relabel(&w.colleague, &a, Tlp::Green), Err(Denied::NotAllowed(_))));
        assert!(matches!(can_relabel(&w.shared, &a, Tlp::Red), Err(Denied::NotAllowed(_))));
        assert_eq!(can_relabel(&w.stranger, &a, Tlp::Red), Err(Denied::NotVisible));
        assert_eq!(can_relabel(&Viewer::Anonymous, &a, Tlp::Red), Err(Denied::NotVisible));
    }

    #[test]
    fn automatic_sharing_stops_at_amber() {
        assert!(may_share_automatically(Tlp::Amber));
        assert!(!may_share_automatically(Tlp::AmberStrict));
        assert!(!may_share_automatically(Tlp::Red));
    }
}
