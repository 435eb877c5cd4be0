//! The story every backend must tell the same way. Each backend's tests open a fresh, empty store
//! and call [`run`]; a failure names the chapter.
//!
//! This lives in the library (not under `tests/`) so that both backend crates, and the server's
//! scale-out tests, run the very same code.

use crate::*;
use clearinghouse_model::audit::verify_chain;
use clearinghouse_model::lifecycle::Actor as Cap;
use clearinghouse_model::report::{ReportLimits, ReportSubmission, prepare};
use clearinghouse_model::{OrgKind, Role, Sector};
use clearinghouse_osv::Verdict;
use time::Duration;
use uuid::Uuid;

fn t0() -> OffsetDateTime {
    // 2026-07-01T12:00:00Z; fixed so ids and windows are predictable.
    OffsetDateTime::from_unix_timestamp(1_782_907_200).unwrap()
}

pub fn sample_report(title: &str, purl: &str, tlp: Tlp) -> NewReport {
    let doc: ReportSubmission = serde_json::from_value(serde_json::json!({
        "title": title,
        "description": "A crafted input overflows a heap buffer in the parser.",
        "affected": [{"purl": purl, "vers": "vers:generic/<2.0.0"}],
        "weaknesses": ["CWE-122"],
        "finder": {"kind": "ai_model", "name": "finder", "version": "1", "human_reviewed": false},
        "tlp": tlp.as_str()
    }))
    .expect("sample report parses");
    let p = prepare(doc, &ReportLimits::default()).expect("sample report is valid");
    NewReport { document: p.document, tlp: p.tlp, packages: p.packages, files: vec![], bundle: None }
}

/// Runs every chapter against an empty store.
pub async fn run(store: &dyn Store) {
    let now = t0();
    // Chapter 1: bootstrap happens once.
    let admin = store
        .bootstrap_admin("hash-of-admin-token", OrgLimits { reports_per_minute: 1234, reports_per_day: 5678 }, now)
        .await
        .expect("bootstrap")
        .expect("first bootstrap creates the admin");
    assert!(admin.coordinator && admin.role == Role::Admin, "chapter 1: the admin is a coordinator");
    assert_eq!(store.bootstrap_admin("another", OrgLimits::default(), now).await.unwrap(), None, "chapter 1: bootstrap runs once");
    let admin_auth = store.authenticate("hash-of-admin-token", now).await.unwrap().expect("chapter 1: admin token authenticates");
    assert_eq!(admin_auth.principal.id, admin.id);
    assert_eq!(admin_auth.org.limits, OrgLimits { reports_per_minute: 1234, reports_per_day: 5678 }, "chapter 1: the platform org takes the configured limits");
    assert_eq!(store.authenticate("nope", now).await.unwrap(), None);
    let sys = AuditActor::Principal(admin.id);

    // Chapter 2: organisations and principals.
    let finder_org = store
        .create_org(
            &sys,
            &NewOrg { name: "finder-ai".into(), kind: OrgKind::AiDeveloper, sectors: vec![], limits: OrgLimits { reports_per_minute: 5, reports_per_day: 8 } },
            now,
        )
        .await
        .expect("chapter 2: create org");
    let grid = store
        .create_org(
            &sys,
            &NewOrg { name: "grid".into(), kind: OrgKind::Operator, sectors: vec![Sector::Energy, Sector::Dams], limits: OrgLimits::default() },
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.get_org_by_name("grid").await.unwrap().unwrap().sectors, vec![Sector::Energy, Sector::Dams], "chapter 2: sectors kept in order");
    assert!(
        matches!(
            store.create_org(&sys, &NewOrg { name: "grid".into(), kind: OrgKind::Vendor, sectors: vec![], limits: OrgLimits::default() }, now).await,
            Err(StoreError::Conflict(_))
        ),
        "chapter 2: org names are unique"
    );
    assert_eq!(store.list_orgs().await.unwrap().len(), 3, "chapter 2: platform org plus two");
    let (finder, tok) = store
        .create_principal(
            &sys,
            &NewPrincipal {
                org_id: finder_org.id,
                name: "bot".into(),
                role: Role::Member,
                coordinator: false,
                token_expires_at: Some(now + Duration::days(1)),
            },
            "hash-finder",
            now,
        )
        .await
        .unwrap();
    assert_eq!((tok.principal_id, tok.org_id, tok.role), (finder.id, finder_org.id, Role::Member));
    let finder_auth = store.authenticate("hash-finder", now).await.unwrap().expect("chapter 2: token works");
    assert_eq!(finder_auth.org.id, finder_org.id);
    assert_eq!(store.authenticate("hash-finder", now + Duration::days(2)).await.unwrap(), None, "chapter 2: expired tokens fail");
    let (_, grid_tok) = store
        .create_principal(
            &sys,
            &NewPrincipal { org_id: grid.id, name: "ops".into(), role: Role::Admin, coordinator: false, token_expires_at: None },
            "hash-grid",
            now,
        )
        .await
        .unwrap();
    let revoked = store.revoke_token(&sys, grid_tok.id, now).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(store.authenticate("hash-grid", now).await.unwrap(), None, "chapter 2: revoked tokens fail");
    assert!(matches!(store.revoke_token(&sys, Uuid::new_v4(), now).await, Err(StoreError::NotFound)));
    assert_eq!(store.list_tokens(Some(finder_org.id)).await.unwrap().len(), 1);
    assert_eq!(store.list_tokens(None).await.unwrap().len(), 3);

    // Chapter 3: submissions get sequential ids per year, idempotency holds.
    let actor = AuditActor::Principal(finder.id);
    let r1 = sample_report("Overflow in libfoo", "pkg:cargo/libfoo@1.0.0", Tlp::Amber);
    let first = store.submit_report(&actor, &finder_auth, &r1, None, now).await.expect("chapter 3: submit");
    let first = first.report().clone();
    assert_eq!(first.id.to_string(), "CLH-2026-00001");
    assert_eq!(first.status, ReportStatus::Received);
    assert_eq!((first.owner_org, first.submitter), (finder_org.id, finder.id));
    assert_eq!(first.document, r1.document, "chapter 3: the document round-trips");
    let key = IdempotencyKey { key: "k-1".into(), request_hash: "h-1".into() };
    let red = sample_report("Secret bug in libbar", "pkg:npm/%40scope/libbar", Tlp::Red);
    let created = store.submit_report(&actor, &finder_auth, &red, Some(&key), now).await.unwrap();
    let SubmitOutcome::Created(second) = created else { panic!("chapter 3: first use of a key creates") };
    assert_eq!(second.id.to_string(), "CLH-2026-00002");
    assert_eq!(second.document, red.document, "chapter 3: sealed RED bodies open again");
    let again = store.submit_report(&actor, &finder_auth, &red, Some(&key), now).await.unwrap();
    assert_eq!(again, SubmitOutcome::Replayed(second.clone()), "chapter 3: same key, same body, same report");
    let other = IdempotencyKey { key: "k-1".into(), request_hash: "h-2".into() };
    assert!(matches!(store.submit_report(&actor, &finder_auth, &red, Some(&other), now).await, Err(StoreError::IdempotencyMismatch)));
    let other_principal_key = store.submit_report(&AuditActor::Principal(admin.id), &admin_auth, &red, Some(&other), now).await.unwrap();
    assert!(matches!(other_principal_key, SubmitOutcome::Created(_)), "chapter 3: keys are scoped to the principal");

    // Chapter 4: rate limit (5 a minute) and quota (8 a day) hold, with a retry hint.
    for i in 0..3 {
        store.submit_report(&actor, &finder_auth, &sample_report(&format!("r{i}"), "pkg:pypi/x", Tlp::Green), None, now).await.unwrap();
    }
    match store.submit_report(&actor, &finder_auth, &r1, None, now).await {
        Err(StoreError::RateLimited { what, retry_after_secs }) => {
            assert_eq!(what, "rate limit");
            assert!((1..=60).contains(&retry_after_secs));
        }
        other => panic!("chapter 4: expected the minute limit, got {other:?}"),
    }
    let later = now + Duration::minutes(1);
    for i in 0..3 {
        store.submit_report(&actor, &finder_auth, &sample_report(&format!("s{i}"), "pkg:pypi/x", Tlp::Green), None, later).await.unwrap();
    }
    assert!(matches!(store.submit_report(&actor, &finder_auth, &r1, None, later).await, Err(StoreError::RateLimited { what: "daily quota", .. })));
    let next_day = now + Duration::days(1);
    assert!(store.submit_report(&actor, &finder_auth, &r1, None, next_day).await.is_ok(), "chapter 4: the quota resets each day");

    // Chapter 5: lists filter and page.
    let all = store.list_reports(&ReportFilter::default(), None, 100).await.unwrap();
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "chapter 5: submission order");
    let page1 = store.list_reports(&ReportFilter::default(), None, 4).await.unwrap();
    let page2 = store.list_reports(&ReportFilter::default(), Some(page1[3].seq), 4).await.unwrap();
    assert_eq!(page2[0].id, all[4].id, "chapter 5: the cursor continues where the page ended");
    let by_pkg = store.list_reports(&ReportFilter { package: Some("npm/@scope/libbar".into()), ..Default::default() }, None, 100).await.unwrap();
    assert_eq!(by_pkg.len(), 2);
    let by_org = store.list_reports(&ReportFilter { reporter_org: Some(admin_auth.org.id), ..Default::default() }, None, 100).await.unwrap();
    assert_eq!(by_org.len(), 1);
    let since = store.list_reports(&ReportFilter { since: Some(later), ..Default::default() }, None, 100).await.unwrap();
    assert_eq!(since.len(), 4);
    let until = store.list_reports(&ReportFilter { until: Some(later), ..Default::default() }, None, 100).await.unwrap();
    assert_eq!(until.len(), 6, "chapter 5: until is exclusive");

    // Chapter 6: the lifecycle is enforced inside the store.
    let id = first.id.clone();
    let t = store.transition_report(&sys, &id, ReportStatus::Triaged, Cap::Coordinator, "looks real", now).await.unwrap();
    assert_eq!(t.status, ReportStatus::Triaged);
    assert!(matches!(store.transition_report(&sys, &id, ReportStatus::Published, Cap::Coordinator, "x", now).await, Err(StoreError::Transition(_))));
    assert!(matches!(store.transition_report(&actor, &id, ReportStatus::Validated, Cap::Reporter, "x", now).await, Err(StoreError::Transition(_))));
    store.transition_report(&sys, &id, ReportStatus::NotReproduced, Cap::Coordinator, "no crash", now).await.unwrap();
    store.transition_report(&actor, &id, ReportStatus::Disputed, Cap::Reporter, "crashes with ASan", now).await.unwrap();
    let history = store.report_history(&id).await.unwrap();
    let steps: Vec<_> = history.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        steps,
        [
            (ReportStatus::Received, ReportStatus::Triaged),
            (ReportStatus::Triaged, ReportStatus::NotReproduced),
            (ReportStatus::NotReproduced, ReportStatus::Disputed)
        ]
    );
    assert_eq!(history[2].reason, "crashes with ASan");
    assert_eq!(history[2].actor, actor.as_audit_string());
    let missing: ReportId = "CLH-2026-99999".parse().unwrap();
    assert!(matches!(store.transition_report(&sys, &missing, ReportStatus::Triaged, Cap::Coordinator, "x", now).await, Err(StoreError::NotFound)));

    // Chapter 7: relabel (compare-and-swap) and share.
    let relabeled = store.relabel_report(&sys, &id, Tlp::Amber, Tlp::Red, now).await.unwrap();
    assert_eq!((relabeled.tlp, relabeled.document.tlp), (Tlp::Red, Some(Tlp::Red)));
    assert_eq!(store.get_report(&id).await.unwrap().unwrap().document.title, "Overflow in libfoo", "chapter 7: re-sealed body opens");
    assert!(matches!(store.relabel_report(&sys, &id, Tlp::Amber, Tlp::Green, now).await, Err(StoreError::Stale)));
    let shared = store.share_report(&sys, &id, &[grid.id, grid.id], &[admin.id], now).await.unwrap();
    assert_eq!((shared.shared_orgs.clone(), shared.named_principals.clone()), (vec![grid.id], vec![admin.id]));
    let shared = store.share_report(&sys, &id, &[grid.id], &[], now).await.unwrap();
    assert_eq!(shared.shared_orgs, vec![grid.id], "chapter 7: sharing twice is idempotent");

    // Chapter 8: the audit chain covers everything and verifies; the outbox follows commits.
    let events = store.audit_events(0, 10_000).await.unwrap();
    assert_eq!(verify_chain(&events), Ok(events.len() as u64), "chapter 8: chain verifies");
    let last = events.last().expect("events exist");
    assert_eq!(store.audit_head().await.unwrap(), (last.seq, last.hash.clone()), "chapter 8: the head follows the last event");
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for want in [
        "principal.bootstrapped",
        "org.created",
        "principal.created",
        "token.revoked",
        "report.submitted",
        "report.transitioned",
        "report.relabeled",
        "report.shared",
    ] {
        assert!(actions.contains(&want), "chapter 8: audit has {want}: {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "report.submitted").count(), 10);
    let tail = store.audit_events(events[events.len() - 3].seq, 10).await.unwrap();
    assert_eq!(tail.len(), 2, "chapter 8: events strictly after the cursor");
    let outbox = store.outbox_events(0, 10_000).await.unwrap();
    assert!(outbox.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(outbox.iter().filter(|e| e.topic == "report.submitted").count(), 10);
    assert!(
        !serde_json::to_string(&events).unwrap().contains("Secret bug") && !serde_json::to_string(&outbox).unwrap().contains("Secret bug"),
        "chapter 8: audit and outbox carry ids, never report content"
    );

    // Chapter 9: housekeeping keeps keys at least a day.
    store.purge_expired(now - Duration::hours(1)).await.unwrap();
    assert!(matches!(store.submit_report(&actor, &finder_auth, &red, Some(&other), next_day).await, Err(StoreError::IdempotencyMismatch)));
    assert!(store.purge_expired(now + Duration::days(3)).await.unwrap() > 0);
    assert!(store.ping().await.is_ok());

    // Chapter 10: advisories, assets and findings.
    assets_story(store, &sys, admin_auth.org.id, admin.id, now).await;

    // Chapter 11: vulnerabilities from several sources, joined by their aliases.
    vulnerabilities_story(store, &sys, now).await;

    // Chapter 12: validation jobs, leases, verdicts and duplicates by crash signature.
    validation_story(store, &admin_auth, now).await;

    // Chapter 13: bulk intake batches, leased by one processor at a time.
    intake_story(store, &admin_auth, now).await;

    // Chapter 14: near-duplicates by MinHash band keys kept with the reports.
    similar_story(store, &admin_auth, now).await;
}

async fn similar_story(store: &dyn Store, by: &Authenticated, now: OffsetDateTime) {
    let actor = AuditActor::Principal(by.principal.id);
    let report = |title: &str, description: &str, purl: &str| {
        let doc: ReportSubmission = serde_json::from_value(serde_json::json!({"title": title, "description": description,
            "affected": [{"purl": purl}], "finder": {"kind": "human", "name": "story"}, "tlp": "AMBER"}))
        .unwrap();
        let p = prepare(doc, &ReportLimits::default()).unwrap();
        NewReport { document: p.document, tlp: p.tlp, packages: p.packages, files: vec![], bundle: None }
    };
    let mut ids = Vec::new();
    for r in [
        report("Use after free in tls_session_free", "tls_session_free frees the session buffer and tls_close reads it afterwards.", "pkg:github/acme/tinytls"),
        report(
            "tinytls: session buffer used after free",
            "After tls_session_free the buffer of the session is read again by tls_close.",
            "pkg:github/acme/tinytls",
        ),
        report(
            "XML external entities in config loader",
            "The YAML and XML config loader resolves external entities from user input.",
            "pkg:maven/org.acme/loader",
        ),
    ] {
        ids.push(store.submit_report(&actor, by, &r, None, now).await.unwrap().report().id.clone());
    }
    // Until the indexer files the others' band keys, nothing is found; then they are.
    assert_eq!(store.similar_reports(&ids[0], 10).await.unwrap(), vec![], "chapter 14: not indexed yet");
    let mut filed = 0;
    loop {
        let n = store.index_similarity(2).await.unwrap();
        if n == 0 {
            break;
        }
        filed += n;
    }
    assert!(filed >= 3, "chapter 14: every report filed, in batches: {filed}");
    assert_eq!(store.index_similarity(100).await.unwrap(), 0, "chapter 14: nothing left");
    let similar = store.similar_reports(&ids[0], 10).await.unwrap();
    assert_eq!(similar.first().map(|(id, _)| id.clone()), Some(ids[1].clone()), "chapter 14: the reworded report is found: {similar:?}");
    assert!(similar.iter().all(|(id, _)| *id != ids[2] && *id != ids[0]), "chapter 14: not the unrelated one, not itself: {similar:?}");
    assert!(similar[0].1 > 0.2 && similar[0].1 <= 1.0);
    assert!(store.similar_reports(&ids[2], 10).await.unwrap().iter().all(|(id, _)| *id != ids[0] && *id != ids[1]));
    assert_eq!(store.similar_reports(&ReportId::new(1999, 1), 10).await.unwrap(), vec![]);
}

async fn intake_story(store: &dyn Store, by: &Authenticated, now: OffsetDateTime) {
    let actor = AuditActor::Principal(by.principal.id);
    let item = |title: &str, fp: Option<&str>| crate::IntakeItem {
        document: sample_report(title, "pkg:generic/x", Tlp::Amber).document,
        fingerprint: fp.map(Into::into),
    };
    let intake = crate::NewIntake {
        format: "sarif".into(),
        tlp: Tlp::Amber,
        items: vec![item("a", Some("fp-a")), item("b", Some("fp-b")), item("a again", Some("fp-a"))],
        diagnostics: serde_json::json!([]),
    };
    let batch = store.create_intake(&actor, by, &intake, now).await.expect("chapter 13: create");
    assert_eq!((batch.state.as_str(), batch.total, batch.processed, batch.token_id), ("queued", 3, 0, by.token_id));
    let lease = Duration::minutes(1);
    let work = store.lease_intake("p1", 2, lease, now).await.unwrap().expect("chapter 13: work");
    assert_eq!(work.items.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(store.lease_intake("p2", 2, lease, now).await.unwrap(), None, "chapter 13: one processor per batch");
    let r = store.submit_report(&actor, by, &sample_report("a", "pkg:generic/x", Tlp::Amber), None, now).await.unwrap().report().id.clone();
    let outcomes = vec![(0, Some("fp-a".to_owned()), IntakeOutcome::Created(r.clone())), (1, None, IntakeOutcome::Failed("no".into()))];
    assert!(matches!(store.record_intake(batch.id, "p2", &outcomes, now).await, Err(StoreError::Stale)), "chapter 13: not p2's lease");
    let b = store.record_intake(batch.id, "p1", &outcomes, now).await.unwrap();
    assert_eq!((b.state.as_str(), b.processed, b.created, b.failed), ("running", 2, 1, 1));
    assert_eq!(store.record_intake(batch.id, "p1", &outcomes, now).await.unwrap().processed, 2, "chapter 13: recording twice counts once");
    assert_eq!(
        store.reports_by_fingerprint(by.org.id, &["fp-a".into(), "fp-z".into()]).await.unwrap().into_iter().collect::<Vec<_>>(),
        vec![("fp-a".to_owned(), r.clone())]
    );
    // p1 dies; once its lease passes p2 takes the rest.
    let work = store.lease_intake("p2", 2, lease, now + Duration::minutes(2)).await.unwrap().expect("chapter 13: taken over");
    assert_eq!(work.items.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![2]);
    let b = store.record_intake(batch.id, "p2", &[(2, None, IntakeOutcome::Duplicate(r.clone()))], now).await.unwrap();
    assert_eq!((b.state.as_str(), b.processed, b.duplicates), ("done", 3, 1));
    assert_eq!(store.lease_intake("p2", 2, lease, now + Duration::minutes(3)).await.unwrap(), None, "chapter 13: drained");
    assert_eq!(store.get_intake(batch.id).await.unwrap(), Some(b));
    assert_eq!(store.get_intake(Uuid::now_v7()).await.unwrap(), None);
}

fn result(verdict: &str, signature: Option<&str>) -> ValidationResult {
    ValidationResult {
        verdict: verdict.into(),
        signature: signature.map(Into::into),
        kind: signature.map(|_| "asan:heap-use-after-free".into()),
        document: serde_json::json!({"verdict": verdict}),
    }
}

async fn validation_story(store: &dyn Store, submitter: &Authenticated, now: OffsetDateTime) {
    let actor = AuditActor::Principal(submitter.principal.id);
    let lease = Duration::minutes(5);
    let with_bundle = |title: &str| {
        let mut r = sample_report(title, "pkg:generic/libjuliet", Tlp::Amber);
        r.bundle = Some("ab".repeat(32));
        r
    };
    let (a, b, c) = (with_bundle("first UAF"), with_bundle("second UAF"), with_bundle("no crash"));
    let mut ids = Vec::new();
    for r in [&a, &b, &c] {
        ids.push(store.submit_report(&actor, submitter, r, None, now).await.expect("chapter 12: submit").report().id.clone());
    }
    let plain = store.submit_report(&actor, submitter, &sample_report("no bundle", "pkg:generic/x", Tlp::Amber), None, now).await.unwrap();
    assert_eq!(store.report_validation(&plain.report().id).await.unwrap(), None, "chapter 12: no bundle, no job");
    let queued = store.report_validation(&ids[0]).await.unwrap().expect("chapter 12: the job is queued with the report");
    assert_eq!((queued.state.as_str(), queued.attempts, queued.verdict.clone()), ("queued", 0, None));

    // Two workers lease different jobs, oldest first; nobody gets a job twice.
    let j1 = store.lease_validation("worker-1", lease, now).await.unwrap().expect("chapter 12: a job");
    let j2 = store.lease_validation("worker-2", lease, now).await.unwrap().expect("chapter 12: another job");
    assert_eq!((j1.report_id.clone(), j2.report_id.clone()), (ids[0].clone(), ids[1].clone()), "chapter 12: oldest first");
    assert_eq!((j1.attempt, j1.bundle_sha256.as_str()), (1, "ab".repeat(32).as_str()));
    let j3 = store.lease_validation("worker-1", lease, now).await.unwrap().expect("chapter 12: the third");
    assert_eq!(store.lease_validation("worker-2", lease, now).await.unwrap(), None, "chapter 12: all leased");

    // Worker 2 crashes holding j2; once the lease expires, worker 1 takes it over; worker 2's late
    // result is refused and worker 1's stands: done once in effect.
    assert!(store.renew_validation_lease(j1.id, "worker-1", now + Duration::minutes(10)).await.unwrap());
    assert!(!store.renew_validation_lease(j1.id, "worker-2", now + Duration::minutes(10)).await.unwrap(), "chapter 12: not its lease");
    let later = now + Duration::minutes(6);
    let again = store.lease_validation("worker-1", lease, later).await.unwrap().expect("chapter 12: the expired lease is taken over");
    assert_eq!((again.id, again.attempt), (j2.id, 2), "chapter 12: j1's renewed lease is not expired, j2's is");
    assert!(matches!(store.complete_validation(j2.id, "worker-2", &result("reproduced", Some("sig-x")), later).await, Err(StoreError::Stale)));

    // Results move the reports: the first to show a crash is validated, the next with the same
    // signature is its duplicate, a proof that does not reproduce is not_reproduced.
    let done = store.complete_validation(j1.id, "worker-1", &result("reproduced", Some("sig-uaf")), later).await.unwrap();
    assert_eq!(done, Completion::Recorded { moved_to: Some(ReportStatus::Validated), duplicate_of: None });
    let done = store.complete_validation(j2.id, "worker-1", &result("reproduced", Some("sig-uaf")), later).await.unwrap();
    assert_eq!(done, Completion::Recorded { moved_to: Some(ReportStatus::Duplicate), duplicate_of: Some(ids[0].clone()) });
    assert!(
        matches!(store.complete_validation(j2.id, "worker-1", &result("reproduced", Some("sig-uaf")), later).await, Err(StoreError::Stale)),
        "chapter 12: once"
    );
    let done = store.complete_validation(j3.id, "worker-1", &result("not_reproduced", None), later).await.unwrap();
    assert_eq!(done, Completion::Recorded { moved_to: Some(ReportStatus::NotReproduced), duplicate_of: None });
    assert!(matches!(store.complete_validation(Uuid::now_v7(), "worker-1", &result("flaky", None), later).await, Err(StoreError::NotFound)));

    let statuses: Vec<ReportStatus> = futures_statuses(store, &ids).await;
    assert_eq!(statuses, vec![ReportStatus::Validated, ReportStatus::Duplicate, ReportStatus::NotReproduced]);
    let v = store.report_validation(&ids[1]).await.unwrap().unwrap();
    assert_eq!((v.state.as_str(), v.attempts, v.verdict.as_deref(), v.signature.as_deref()), ("done", 2, Some("reproduced"), Some("sig-uaf")));
    assert_eq!((v.duplicate_of.clone(), v.document.clone()), (Some(ids[0].clone()), Some(serde_json::json!({"verdict": "reproduced"}))));
    let history = store.report_history(&ids[0]).await.unwrap();
    assert_eq!(
        history.last().map(|t| (t.to, t.actor.as_str())),
        Some((ReportStatus::Validated, "system")),
        "chapter 12: the validator's transition is recorded"
    );

    // The first reporter keeps the credit even when its proof finishes last.
    let (e, f) = (with_bundle("earlier report"), with_bundle("later report"));
    let e = store.submit_report(&actor, submitter, &e, None, now).await.unwrap().report().id.clone();
    let f = store.submit_report(&actor, submitter, &f, None, now).await.unwrap().report().id.clone();
    let je = store.lease_validation("worker-1", lease, later).await.unwrap().unwrap();
    let jf = store.lease_validation("worker-2", lease, later).await.unwrap().unwrap();
    assert_eq!((je.report_id.clone(), jf.report_id.clone()), (e.clone(), f.clone()));
    let done = store.complete_validation(jf.id, "worker-2", &result("reproduced", Some("sig-late")), later).await.unwrap();
    assert_eq!(done, Completion::Recorded { moved_to: Some(ReportStatus::Validated), duplicate_of: None }, "chapter 12: nothing earlier yet");
    store.complete_validation(je.id, "worker-1", &result("reproduced", Some("sig-late")), later).await.unwrap();
    assert_eq!(
        futures_statuses(store, &[e.clone(), f.clone()]).await,
        vec![ReportStatus::Validated, ReportStatus::Duplicate],
        "chapter 12: credit moves to the first"
    );
    assert_eq!(store.report_validation(&f).await.unwrap().unwrap().duplicate_of, Some(e.clone()));

    // Merge and split: the validator's link shows; a coordinator links and unlinks by hand.
    assert_eq!(store.duplicate_of(&ids[1]).await.unwrap(), Some(ids[0].clone()), "chapter 12: the validator's link");
    assert_eq!(store.duplicate_of(&f).await.unwrap(), Some(e.clone()), "chapter 12: relinked to the first reporter");
    assert_eq!(store.duplicate_of(&ids[0]).await.unwrap(), None);
    let g =
        store.submit_report(&actor, submitter, &sample_report("same bug, by hand", "pkg:generic/x", Tlp::Amber), None, now).await.unwrap().report().id.clone();
    assert!(matches!(store.mark_duplicate(&actor, &g, &ids[0], Cap::Reporter, "mine is theirs", now).await, Err(StoreError::Transition(_))));
    assert!(matches!(store.mark_duplicate(&actor, &g, &g, Cap::Coordinator, "x", now).await, Err(StoreError::Conflict(_))));
    assert!(
        matches!(store.mark_duplicate(&actor, &g, &ids[1], Cap::Coordinator, "x", now).await, Err(StoreError::Conflict(_))),
        "chapter 12: never a duplicate of a duplicate"
    );
    let merged = store.mark_duplicate(&actor, &g, &ids[0], Cap::Coordinator, "the same use after free", now).await.unwrap();
    assert_eq!((merged.status, store.duplicate_of(&g).await.unwrap()), (ReportStatus::Duplicate, Some(ids[0].clone())));
    let split = store.split_duplicate(&actor, &g, Cap::Coordinator, "a different free", now).await.unwrap();
    assert_eq!((split.status, store.duplicate_of(&g).await.unwrap()), (ReportStatus::Triaged, None));
    assert!(matches!(store.split_duplicate(&actor, &g, Cap::Coordinator, "again", now).await, Err(StoreError::Conflict(_))));

    // A bundle that kills its worker every time fails for good after MAX_ATTEMPTS leases.
    let d = store.submit_report(&actor, submitter, &with_bundle("kills workers"), None, now).await.unwrap().report().id.clone();
    let mut t = later;
    for attempt in 1..=crate::validation::MAX_ATTEMPTS {
        let j = store.lease_validation("worker-x", lease, t).await.unwrap().expect("chapter 12: leased again");
        assert_eq!((j.report_id.clone(), j.attempt), (d.clone(), attempt));
        t += Duration::minutes(6);
    }
    assert_eq!(store.lease_validation("worker-x", lease, t).await.unwrap(), None, "chapter 12: spent");
    let v = store.report_validation(&d).await.unwrap().unwrap();
    assert_eq!((v.state.as_str(), v.verdict.as_deref()), ("failed", Some("sandbox_error")));
    assert_eq!(store.get_report(&d).await.unwrap().unwrap().status, ReportStatus::Received, "chapter 12: a failed job moves nothing");

    let events = store.audit_events(0, 100_000).await.unwrap();
    assert_eq!(verify_chain(&events), Ok(events.len() as u64), "chapter 12: chain verifies");
    let count = |a: &str| events.iter().filter(|e| e.action == a).count();
    assert_eq!(
        (
            count("validation.queued"),
            count("validation.leased"),
            count("validation.completed"),
            count("validation.failed"),
            count("validation.duplicate_linked")
        ),
        (6, 4 + 2 + 3, 5, 1, 1),
        "chapter 12: every step is an audit event"
    );
}

async fn futures_statuses(store: &dyn Store, ids: &[ReportId]) -> Vec<ReportStatus> {
    let mut out = Vec::new();
    for id in ids {
        out.push(store.get_report(id).await.unwrap().unwrap().status);
    }
    out
}

fn source(format: clearinghouse_advisory::Format, publisher: &str, id: &str, aliases: &[&str], modified: &str) -> crate::vulns::NewSourceRecord {
    let record = clearinghouse_advisory::SourceRecord {
        source: Some(clearinghouse_advisory::Source { format, publisher: publisher.into() }),
        id: id.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        title: Some(format!("{id} from {publisher}")),
        modified: Some(modified.into()),
        ..Default::default()
    };
    crate::vulns::NewSourceRecord { record, tlp: Tlp::Clear }
}

async fn vulnerabilities_story(store: &dyn Store, actor: &AuditActor, now: OffsetDateTime) {
    use clearinghouse_advisory::{Exploitation, Format, Score};
    let imports_before = store.audit_events(0, 100_000).await.unwrap().iter().filter(|e| e.action == "vulnerabilities.imported").count();
    let ghsa = source(Format::Osv, "GHSA", "GHSA-1111-2222-3333", &[], "2026-01-01T00:00:00Z");
    let go = source(Format::Osv, "GO", "GO-2026-0001", &[], "2026-01-01T00:00:00Z");
    let s = store.import_source_records(actor, &[ghsa.clone(), go.clone()], now).await.expect("chapter 11: import");
    assert_eq!((s.inserted, s.vulnerabilities_changed), (2, 2), "chapter 11: two unrelated records are two vulnerabilities");
    // A CVE record naming both joins them into one, shown under the CVE id, findable by any id.
    let mut cve = source(Format::Cve5Cna, "acme", "CVE-2026-0001", &["GHSA-1111-2222-3333", "GO-2026-0001"], "2026-01-02T00:00:00Z");
    cve.record.scores =
        vec![Score { kind: "CVSS_V3".into(), vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(), base_score: Some(9.8), products: vec![] }];
    let s = store.import_source_records(actor, std::slice::from_ref(&cve), now).await.expect("chapter 11: import the CVE");
    assert_eq!((s.inserted, s.vulnerabilities_changed, s.vulnerabilities_removed), (1, 1, 2), "chapter 11: the CVE joins both");
    for id in ["CVE-2026-0001", "GHSA-1111-2222-3333", "GO-2026-0001"] {
        let v = store.get_vulnerability(id).await.unwrap().unwrap_or_else(|| panic!("chapter 11: {id} finds the vulnerability"));
        assert_eq!(v.vulnerability.id, "CVE-2026-0001", "chapter 11: {id}");
        assert_eq!(v.vulnerability.records.len(), 3);
    }
    assert!(store.get_vulnerability("CVE-2099-0001").await.unwrap().is_none());
    // The same records again change nothing; an older copy of the CVE is not taken.
    let s = store.import_source_records(actor, &[ghsa, go, cve.clone()], now).await.unwrap();
    assert_eq!((s.unchanged, s.vulnerabilities_changed), (3, 0), "chapter 11: re-import is idempotent");
    let mut older = cve.clone();
    older.record.modified = Some("2025-12-31T00:00:00Z".into());
    older.record.title = Some("stale".into());
    assert_eq!(store.import_source_records(actor, &[older], now).await.unwrap().unchanged, 1, "chapter 11: older copies lose");
    // KEV raises the priority: a second, lower-scored vulnerability in KEV sorts first.
    let mut other = source(Format::Cve5Cna, "acme", "CVE-2026-0002", &[], "2026-01-03T00:00:00Z");
    other.record.scores =
        vec![Score { kind: "CVSS_V3".into(), vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N".into(), base_score: Some(4.8), products: vec![] }];
    let mut kev = source(Format::Kev, "CISA", "CVE-2026-0002", &[], "2026-01-04T00:00:00Z");
    kev.record.exploitation = Some(Exploitation { in_kev: true, date_added: Some("2026-01-04".into()), ..Exploitation::default() });
    store.import_source_records(actor, &[other, kev], now).await.unwrap();
    let list = store.list_vulnerabilities(crate::vulns::VulnOrder::Priority, 0, 10).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|v| v.vulnerability.id.as_str()).collect();
    // (Chapter 10's OSV records follow: no KEV, no score.)
    assert_eq!(ids[..2], ["CVE-2026-0002", "CVE-2026-0001"], "chapter 11: KEV first, then CVSS");
    assert!(list[0].priority.kev && list[1].priority.cvss == Some(9.8));
    let page = store.list_vulnerabilities(crate::vulns::VulnOrder::Priority, 1, 10).await.unwrap();
    assert_eq!(page.len(), list.len() - 1);
    let changed = store.list_vulnerabilities(crate::vulns::VulnOrder::Changed, 0, 10).await.unwrap();
    assert_eq!(changed[0].vulnerability.id, "CVE-2026-0002", "chapter 11: most recently changed first");
    // A validated public proof of concept raises Exploitation to Public PoC, and stays with the
    // vulnerability when a later import rewrites it.
    let report: clearinghouse_model::ReportId = "CLH-2026-00001".parse().expect("a report id");
    let before = store.get_vulnerability("CVE-2026-0001").await.unwrap().unwrap();
    assert_eq!(before.priority.inputs.get("E").map(String::as_str), Some("N"), "chapter 11: no exploitation known");
    let with = store.add_vulnerability_evidence(actor, "GO-2026-0001", &report, now).await.expect("chapter 11: evidence");
    assert_eq!(with.priority.inputs.get("E").map(String::as_str), Some("P"), "chapter 11: public PoC");
    assert_eq!(store.get_vulnerability("CVE-2026-0001").await.unwrap().unwrap().priority, with.priority);
    let mut newer = cve.clone();
    newer.record.modified = Some("2026-01-09T00:00:00Z".into());
    newer.record.title = Some("retitled".into());
    store.import_source_records(actor, &[newer], now).await.unwrap();
    let after = store.get_vulnerability("CVE-2026-0001").await.unwrap().unwrap();
    assert_eq!(
        (after.vulnerability.title.as_deref(), after.priority.inputs.get("E").map(String::as_str)),
        (Some("retitled"), Some("P")),
        "chapter 11: the evidence survives the rewrite"
    );
    assert!(matches!(store.add_vulnerability_evidence(actor, "CVE-2099-0001", &report, now).await, Err(StoreError::NotFound)));
    // Not TLP:CLEAR: refused, nothing written.
    let mut amber = source(Format::Csaf, "vendor", "CVE-2026-0003", &[], "2026-01-05T00:00:00Z");
    amber.tlp = Tlp::Amber;
    assert!(matches!(store.import_source_records(actor, &[amber], now).await, Err(StoreError::Conflict(_))));
    assert!(store.get_vulnerability("CVE-2026-0003").await.unwrap().is_none());
    let events = store.audit_events(0, 100_000).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.action == "vulnerabilities.imported").count() - imports_before,
        4,
        "chapter 11: one audit event per import that changed something"
    );
}

fn osv(id: &str, modified: &str, package: &str, fixed: &str, withdrawn: Option<&str>) -> NewAdvisory {
    let mut v = serde_json::json!({
        "id": id, "modified": modified, "aliases": [format!("CVE-2025-{}", &id[id.len() - 4..])],
        "summary": format!("{package} is unsound"),
        "affected": [{"package": {"ecosystem": "crates.io", "name": package},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]
    });
    if let Some(w) = withdrawn {
        v["withdrawn"] = serde_json::json!(w);
    }
    NewAdvisory { record: serde_json::from_value(v).expect("story record"), tlp: Tlp::Clear, owner: None, source: "osv".into() }
}

fn lock_asset(name: &str, owner_org: Uuid, created_by: Uuid, packages: &[(&str, &str)]) -> NewAsset {
    let mut lock = String::from("version = 3\n");
    for (n, v) in packages {
        lock.push_str(&format!("\n[[package]]\nname = \"{n}\"\nversion = \"{v}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"));
    }
    let sbom = clearinghouse_sbom::read(lock.as_bytes(), Some("Cargo.lock")).expect("story lockfile");
    NewAsset {
        name: name.into(),
        tlp: Tlp::Amber,
        owner_org,
        created_by,
        sbom_format: "Cargo.lock".into(),
        sbom_sha256: "00".repeat(32),
        components: asset_components(&sbom),
    }
}

async fn findings_of(store: &dyn Store, asset: Uuid) -> Vec<(String, String, Verdict)> {
    store.asset_findings(asset).await.unwrap().into_iter().map(|f| (f.component.name, f.advisory, f.verdict)).collect()
}

async fn assets_story(store: &dyn Store, actor: &AuditActor, org: Uuid, principal: Uuid, now: OffsetDateTime) {
    use clearinghouse_osv::Verdict::*;
    let head0 = store.advisory_head().await.unwrap();
    assert_eq!(head0, 0, "chapter 10: no advisories yet");
    let (web, d) = store.create_asset(actor, &lock_asset("web", org, principal, &[("smallvec", "1.6.0"), ("time", "0.1.43")]), now).await.unwrap();
    assert!(d.is_empty() && web.revision == 1 && web.component_count == 2, "chapter 10: no advisory, no finding");
    assert_eq!(store.asset_components(web.id).await.unwrap().len(), 2);

    // An advisory about smallvec opens a finding in the asset, through the package key.
    let (sum, outcomes) = store.import_advisories(actor, &[osv("RUSTSEC-2026-0001", "2026-01-01T00:00:00Z", "smallvec", "1.6.1", None)], now).await.unwrap();
    assert_eq!((sum.inserted, sum.findings_opened, sum.assets_changed), (1, 1, 1), "chapter 10: import opens the finding");
    assert_eq!(outcomes, vec![ImportOutcome::Inserted]);
    assert_eq!(findings_of(store, web.id).await, vec![("smallvec".into(), "RUSTSEC-2026-0001".into(), Affected)]);
    let stored = store.get_advisory("RUSTSEC-2026-0001").await.unwrap().expect("chapter 10: stored");
    assert_eq!(stored.record.aliases, vec!["CVE-2025-0001".to_string()]);
    // The public record joined the vulnerability model in the same transaction, under its CVE id.
    assert_eq!(sum.vulnerabilities_changed, 1, "chapter 10: the OSV record is a source record of the model");
    let known = store.vulnerability_priorities(&["RUSTSEC-2026-0001".into(), "CVE-2025-0001".into(), "GHSA-none".into()]).await.unwrap();
    assert_eq!(known.keys().collect::<Vec<_>>(), ["CVE-2025-0001", "RUSTSEC-2026-0001"], "chapter 10: unknown ids are absent");
    assert!(known.values().all(|(id, p)| id == "CVE-2025-0001" && !p.kev), "chapter 10: {known:?}");
    assert!(stored.change_seq > 0 && store.advisory_head().await.unwrap() == stored.change_seq);

    // The same record again, and an older copy, change nothing.
    let (sum, _) = store.import_advisories(actor, &[osv("RUSTSEC-2026-0001", "2026-01-01T00:00:00Z", "smallvec", "1.6.1", None)], now).await.unwrap();
    assert_eq!((sum.unchanged, sum.findings_opened), (1, 0));
    let (sum, _) = store.import_advisories(actor, &[osv("RUSTSEC-2026-0001", "2025-01-01T00:00:00Z", "smallvec", "1.0.0", None)], now).await.unwrap();
    assert_eq!(sum.unchanged, 1, "chapter 10: an older copy is ignored");
    assert_eq!(findings_of(store, web.id).await.len(), 1);

    // A newer copy that fixes earlier closes it; a later one that affects again reopens it; a
    // withdrawn one closes it for good but stays readable.
    let (sum, o) = store.import_advisories(actor, &[osv("RUSTSEC-2026-0001", "2026-02-01T00:00:00Z", "smallvec", "1.5.0", None)], now).await.unwrap();
    assert_eq!((o[0], sum.findings_closed), (ImportOutcome::Updated, 1), "chapter 10: the fix moved below the version");
    assert!(findings_of(store, web.id).await.is_empty());
    let batch = [
        osv("RUSTSEC-2026-0001", "2026-03-01T00:00:00Z", "smallvec", "2.0.0", None),
        osv("RUSTSEC-2026-0002", "2026-03-01T00:00:00Z", "time", "0.2.23", None),
        osv("RUSTSEC-2026-0003", "2026-03-01T00:00:00Z", "regex", "1.5.5", None),
    ];
    let (sum, _) = store.import_advisories(actor, &batch, now).await.unwrap();
    assert_eq!((sum.inserted, sum.updated, sum.findings_opened, sum.assets_changed), (2, 1, 2, 1), "chapter 10: one batch, one asset event");
    assert_eq!(
        findings_of(store, web.id).await,
        vec![("smallvec".into(), "RUSTSEC-2026-0001".into(), Affected), ("time".into(), "RUSTSEC-2026-0002".into(), Affected)]
    );
    let (sum, _) =
        store.import_advisories(actor, &[osv("RUSTSEC-2026-0002", "2026-04-01T00:00:00Z", "time", "0.2.23", Some("2026-04-01T00:00:00Z"))], now).await.unwrap();
    assert_eq!(sum.findings_closed, 1, "chapter 10: withdrawn advisories match nothing");
    assert!(store.get_advisory("RUSTSEC-2026-0002").await.unwrap().unwrap().record.withdrawn.is_some());

    // Followers page through changes with a (change_seq, id) cursor.
    let all = store.advisories_changed_since((0, ""), 100).await.unwrap();
    assert_eq!(all.iter().map(|a| a.id()).collect::<Vec<_>>(), ["RUSTSEC-2026-0001", "RUSTSEC-2026-0003", "RUSTSEC-2026-0002"]);
    let page = store.advisories_changed_since((all[0].change_seq, all[0].id()), 1).await.unwrap();
    assert_eq!(all[0].change_seq, all[1].change_seq, "chapter 10: one batch, one change_seq");
    assert_eq!(page[0].id(), "RUSTSEC-2026-0003", "chapter 10: the cursor breaks ties by id");
    assert!(store.advisories_changed_since((store.advisory_head().await.unwrap(), "~"), 10).await.unwrap().is_empty());

    // A new asset is matched against the stored advisories when it arrives; replacing its SBOM
    // re-evaluates; a stale revision is refused.
    let (api, d) = store.create_asset(actor, &lock_asset("api", org, principal, &[("regex", "1.5.4"), ("smallvec", "1.6.0")]), now).await.unwrap();
    assert_eq!(d.opened.len(), 2, "chapter 10: matched on creation");
    let fixed = lock_asset("api", org, principal, &[("regex", "1.5.5"), ("smallvec", "1.6.0")]);
    let (api2, d) = store.replace_asset(actor, api.id, Some(1), &fixed, now).await.unwrap();
    assert_eq!((d.opened.len(), d.closed.len(), api2.revision), (0, 1, 2), "chapter 10: upgrading regex closes its finding");
    assert!(matches!(store.replace_asset(actor, api.id, Some(1), &fixed, now).await, Err(StoreError::Stale)));
    assert_eq!(findings_of(store, api.id).await, vec![("smallvec".into(), "RUSTSEC-2026-0001".into(), Affected)]);

    // VEX documents are kept with the asset.
    let vex = NewVex {
        format: "openvex".into(),
        sha256: "ab".repeat(32),
        statements: serde_json::json!([{"vulnerability": "RUSTSEC-2026-0001"}]),
        created_by: principal,
    };
    let v = store.add_asset_vex(actor, api.id, &vex, now).await.unwrap();
    assert_eq!(store.asset_vex(api.id).await.unwrap(), vec![v]);
    assert!(matches!(store.add_asset_vex(actor, Uuid::now_v7(), &vex, now).await, Err(StoreError::NotFound)));

    // Mission settings are kept with the asset, with their audit event.
    let mission = crate::AssetMission { exposure: Some("O".into()), safety_impact: Some("R".into()), ..crate::AssetMission::default() };
    let with = store.set_asset_mission(actor, api.id, &mission, now).await.unwrap();
    assert_eq!((with.mission.clone(), with.revision), (mission.clone(), 2), "chapter 10: settings are not an SBOM revision");
    assert_eq!(store.get_asset(api.id).await.unwrap().unwrap().mission, mission);
    assert!(matches!(store.set_asset_mission(actor, Uuid::now_v7(), &mission, now).await, Err(StoreError::NotFound)));

    assert_eq!(store.list_assets(Some(org)).await.unwrap().len(), 2);
    assert!(store.list_assets(Some(Uuid::now_v7())).await.unwrap().is_empty());
    store.delete_asset(actor, web.id, now).await.unwrap();
    assert_eq!(store.get_asset(web.id).await.unwrap(), None);
    assert!(store.asset_findings(web.id).await.unwrap().is_empty());
    assert!(matches!(store.delete_asset(actor, web.id, now).await, Err(StoreError::NotFound)));

    let events = store.audit_events(0, 10_000).await.unwrap();
    assert_eq!(verify_chain(&events), Ok(events.len() as u64), "chapter 10: chain verifies");
    let count = |a: &str| events.iter().filter(|e| e.action == a).count();
    assert_eq!(count("advisories.imported"), 4, "chapter 10: unchanged imports write nothing");
    assert_eq!(count("asset.findings_changed"), 4);
    assert_eq!((count("asset.created"), count("asset.updated"), count("asset.deleted"), count("asset.vex_added"), count("asset.mission_set")), (2, 1, 1, 1, 1));
    assert_eq!(count("vulnerabilities.imported"), 4, "chapter 10: each import that changed a public record fed the model");
    let outbox = store.outbox_events(0, 10_000).await.unwrap();
    assert_eq!(outbox.iter().filter(|e| e.topic == "asset.findings_changed").count(), 4, "chapter 10: finding events wait in the outbox");
}
