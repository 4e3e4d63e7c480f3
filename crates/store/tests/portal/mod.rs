//! The portal's records on both backends: invitations are single use and expire, messages
//! keep read receipts per side, contributions save as typed, and the outbox hands each
//! notification to one worker at a time until it is marked sent.

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use waymark_domain::actor::{Actor, Role};
use waymark_domain::case::{Child, Request};
use waymark_domain::command::NewRequest;
use waymark_store::portal::{
    Acceptance, Contribution, InvitationProblem, Message, NewInvitation, NewNotification,
};
use waymark_store::prelude::*;
use waymark_store::testing::TestBackend;
use waymark_store::{CaseId, NewUser, UserId, cases};

use super::{fresh, la};

async fn a_case(store: &waymark_store::Backend) -> CaseId {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let new = NewRequest {
        reference: "P-1".into(),
        child: Child {
            given_name: "Ada".into(),
            family_name: "Okafor".into(),
            date_of_birth: day("2016-03-01"),
            upn: None,
            uln: None,
            nhs_number: None,
            address: None,
            parents: vec![],
            school: None,
        },
        request: Request {
            received: day("2026-01-05"),
            source: "PAR".into(),
            reasons: "Needs".into(),
        },
    };
    let actor = Actor {
        user: "1".into(),
        role: Role::Caseworker,
        la: la("202"),
    };
    cases::open(store, &new, &actor, day("2026-11-23"), Utc::now())
        .await
        .unwrap()
        .id
}

async fn staff(store: &waymark_store::Backend) -> UserId {
    store
        .create_user(NewUser {
            email: "cw@camden.example".into(),
            name: "Case Worker".into(),
            role: Role::Caseworker,
            la: la("202"),
            organisation: None,
            password_hash: Some("x".into()),
        })
        .await
        .unwrap()
        .id
}

fn invitation(
    token: &str,
    case: Option<CaseId>,
    by: UserId,
    expires_in: Duration,
) -> NewInvitation {
    let now = Utc::now();
    NewInvitation {
        token_hash: token.into(),
        la: la("202"),
        email: format!("{token}@example.org"),
        name: "Grace Okafor".into(),
        role: Role::Parent,
        young_person: false,
        organisation_id: None,
        organisation_admin: false,
        case: case.map(|c| (c, "parent".to_string())),
        invited_by: by,
        created_at: now,
        expires_at: now + expires_in,
    }
}

async fn invitations_are_single_use_expire_and_open_the_case(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let case = a_case(&store).await;
    let by = staff(&store).await;
    store
        .create_invitation(&invitation("tok-a", Some(case), by, Duration::days(7)))
        .await
        .unwrap();
    let new = || Acceptance::NewAccount {
        password_hash: "hash".into(),
    };
    let user = store
        .accept_invitation("tok-a", new(), Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Parent);
    assert_eq!(user.email, "tok-a@example.org");
    let participants = store.case_participants(&la("202"), case).await.unwrap();
    assert_eq!(
        participants
            .iter()
            .map(|p| (p.user_id, p.relation.as_str()))
            .collect::<Vec<_>>(),
        [(user.id, "parent")]
    );
    assert!(
        store
            .case_participants(&la("203"), case)
            .await
            .unwrap()
            .is_empty()
    );
    let open = store.open_case_access(user.id, case).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].relation, "parent");
    // Used once: never again, and nothing more is made.
    assert_eq!(
        store
            .accept_invitation("tok-a", new(), Utc::now())
            .await
            .unwrap(),
        Err(InvitationProblem::Used)
    );
    assert_eq!(
        store
            .accept_invitation("nope", new(), Utc::now())
            .await
            .unwrap(),
        Err(InvitationProblem::Unknown)
    );
    let found = store.find_invitation("tok-a").await.unwrap().unwrap();
    assert_eq!(found.user_id, Some(user.id));
    assert!(found.used_at.is_some());
    // Expired: refused, and it stays unused.
    store
        .create_invitation(&invitation("tok-b", None, by, Duration::seconds(-1)))
        .await
        .unwrap();
    assert_eq!(
        store
            .accept_invitation("tok-b", new(), Utc::now())
            .await
            .unwrap(),
        Err(InvitationProblem::Expired)
    );
    assert!(
        store
            .find_invitation("tok-b")
            .await
            .unwrap()
            .unwrap()
            .used_at
            .is_none()
    );
    // An existing account joins a second case with a second invitation.
    store
        .create_invitation(&invitation("tok-c", Some(case), by, Duration::days(7)))
        .await
        .unwrap();
    let same = store
        .accept_invitation("tok-c", Acceptance::Existing(user.id), Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.id, user.id);
    // Another LA's case cannot be named in an invitation.
    let mut other = invitation("tok-d", Some(case), by, Duration::days(7));
    other.la = la("203");
    assert!(store.create_invitation(&other).await.is_err());
    assert_eq!(store.invitations(&la("202")).await.unwrap().len(), 3);
}

async fn organisations_have_staff_and_admins(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let school = store
        .create_organisation(&la("202"), "school", "Hillside Primary", Some("100001"))
        .await
        .unwrap();
    assert!(
        store
            .create_organisation(&la("202"), "pub", "The Crown", None)
            .await
            .is_err()
    );
    let by = staff(&store).await;
    let mut invite = invitation("tok-s", None, by, Duration::days(7));
    invite.role = Role::Professional;
    invite.organisation_id = Some(school.id);
    invite.organisation_admin = true;
    store.create_invitation(&invite).await.unwrap();
    let senco = store
        .accept_invitation(
            "tok-s",
            Acceptance::NewAccount {
                password_hash: "h".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(senco.organisation.as_deref(), Some("Hillside Primary"));
    let memberships = store.memberships(senco.id).await.unwrap();
    assert_eq!(memberships, vec![(school.clone(), true)]);
    assert_eq!(
        store.organisation_members(school.id).await.unwrap(),
        vec![(senco.id, true)]
    );
    assert_eq!(store.organisations(&la("202")).await.unwrap(), vec![school]);
    assert!(store.organisations(&la("203")).await.unwrap().is_empty());
}

async fn messages_keep_read_receipts_for_each_side(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let case = a_case(&store).await;
    let council = staff(&store).await;
    let by = council;
    store
        .create_invitation(&invitation("tok-m", Some(case), by, Duration::days(7)))
        .await
        .unwrap();
    let parent = store
        .accept_invitation(
            "tok-m",
            Acceptance::NewAccount {
                password_hash: "h".into(),
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap()
        .id;
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let message = |author: UserId, body: &str| Message {
        id: 0,
        case_id: case,
        participant_id: parent,
        author_id: author,
        body: body.into(),
        document_id: None,
        sent_at: at,
        read_at: None,
    };
    store
        .post_message(&la("202"), &message(parent, "When is the meeting?"))
        .await
        .unwrap();
    store
        .post_message(&la("202"), &message(council, "On Tuesday."))
        .await
        .unwrap();
    let threads = store.threads(&la("202"), case).await.unwrap();
    assert_eq!(
        (
            threads.len(),
            threads[0].messages,
            threads[0].unread_by_council
        ),
        (1, 2, 1)
    );
    // The council reads the parent's message; the parent has not read the council's yet.
    assert_eq!(
        store
            .mark_thread_read(&la("202"), case, parent, false, at)
            .await
            .unwrap(),
        1
    );
    let thread = store.thread(&la("202"), case, parent).await.unwrap();
    assert_eq!(
        thread
            .iter()
            .map(|m| m.read_at.is_some())
            .collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        store
            .mark_thread_read(&la("202"), case, parent, true, at)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.threads(&la("202"), case).await.unwrap()[0].unread_by_council,
        0
    );
    // Another LA sees nothing and cannot post.
    assert!(
        store
            .thread(&la("203"), case, parent)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .post_message(&la("203"), &message(parent, "x"))
            .await
            .is_err()
    );
}

async fn contributions_save_as_typed_and_are_sent_once(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let case = a_case(&store).await;
    let user = staff(&store).await;
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let mut views = Contribution {
        case_id: case,
        user_id: user,
        kind: "views".into(),
        part: "all_about_me".into(),
        text: "I like trains".into(),
        updated_at: at,
        submitted_at: None,
    };
    store.save_contribution(&la("202"), &views).await.unwrap();
    views.text = "I like trains and drawing".into();
    views.submitted_at = Some(at);
    store.save_contribution(&la("202"), &views).await.unwrap();
    assert_eq!(
        store
            .contributions(&la("202"), case, "views")
            .await
            .unwrap(),
        vec![views.clone()]
    );
    assert!(
        store
            .contributions(&la("202"), case, "draft_comment")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.save_contribution(&la("203"), &views).await.is_err());
}

async fn the_outbox_hands_each_notification_to_one_worker_until_sent(backend: TestBackend) {
    let (_db, store) = fresh(backend).await;
    let now = Utc::now();
    let note = |key: &str| NewNotification {
        la: Some(la("202")),
        template: "invite".into(),
        recipient: "grace@example.org".into(),
        personalisation: json!({"first_name": "Grace", "link": "https://x/invite/abc"}),
        idempotency_key: key.into(),
        created_at: now,
    };
    assert!(store.enqueue_notification(&note("invite-1")).await.unwrap());
    assert!(
        !store.enqueue_notification(&note("invite-1")).await.unwrap(),
        "queued once"
    );
    assert!(store.enqueue_notification(&note("invite-2")).await.unwrap());
    let lease = Duration::seconds(30);
    let first = store.claim_notifications(now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].personalisation["first_name"], "Grace");
    assert_eq!(first[0].attempts, 1);
    // Leased: a second worker gets nothing until the lease ends.
    assert!(
        store
            .claim_notifications(now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .mark_notification_sent(first[0].id, now, Some("msg-1"))
        .await
        .unwrap();
    store
        .mark_notification_failed(
            first[1].id,
            "connection refused",
            now + Duration::seconds(60),
        )
        .await
        .unwrap();
    // Failed: back after its retry time, counted as a second attempt; sent: never again.
    assert!(
        store
            .claim_notifications(now + Duration::seconds(59), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store
        .claim_notifications(now + Duration::seconds(61), lease, 10)
        .await
        .unwrap();
    assert_eq!(
        retried
            .iter()
            .map(|n| (n.id, n.attempts))
            .collect::<Vec<_>>(),
        [(first[1].id, 2)]
    );
    // A worker that died holding a lease: the notification comes back when the lease ends.
    let after_lease = store
        .claim_notifications(now + Duration::seconds(100), lease, 10)
        .await
        .unwrap();
    assert_eq!(after_lease.len(), 1);
    let all = store.notifications(10).await.unwrap();
    assert_eq!(all.iter().filter(|n| n.sent_at.is_some()).count(), 1);
    assert_eq!(
        all.iter()
            .find(|n| n.sent_at.is_some())
            .and_then(|n| n.provider_reference.clone())
            .as_deref(),
        Some("msg-1")
    );
}

on_both_backends!(
    invitations_are_single_use_expire_and_open_the_case,
    organisations_have_staff_and_admins,
    messages_keep_read_receipts_for_each_side,
    contributions_save_as_typed_and_are_sent_once,
    the_outbox_hands_each_notification_to_one_worker_until_sent,
);
