//! Mail to addresses nobody proved is bounded: register → sign in → delete, over and over, with
//! plus-tags and dots, sends a handful of verification mails a day to the mailbox and no
//! notices at all.

use http::Method;
use rampart_auth::MailKind;
use rampart_blackbox_tests::{Browser, GOOD_PASSWORD, TestApp};
use serde_json::json;

/// One register → sign in → delete cycle for `email`; true when every step answered as a
/// client expects.
async fn cycle(app: &TestApp, email: &str) -> bool {
    let registered = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": GOOD_PASSWORD}),
        )
        .await;
    // The worker runs a moment after the request, before the client's next step.
    app.deliver_mail().await;
    let browser = Browser::new(app);
    let login = browser
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": email, "password": GOOD_PASSWORD})),
        )
        .await;
    let deleted = browser
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({"password": GOOD_PASSWORD})),
        )
        .await;
    registered.status() == 201 && login.status() == 200 && deleted.status() == 204
}

fn to_victim(kind: MailKind, app: &TestApp) -> usize {
    app.mailer
        .outbox()
        .iter()
        .filter(|m| m.kind == kind && m.to.as_str().ends_with("@gmail.com"))
        .count()
}

#[tokio::test]
async fn a_register_and_delete_loop_mails_an_unproved_mailbox_three_times_a_day_at_most() {
    let app = TestApp::spawn().await;
    let spellings = [
        "victim@gmail.com",
        "victim+1@gmail.com",
        "vic.tim@gmail.com",
        "victim+2@gmail.com",
        "v.i.c.t.i.m+x@gmail.com",
        "victim+3@gmail.com",
        "victim@gmail.com",
        "victim+4@gmail.com",
    ];
    for email in spellings {
        assert!(cycle(&app, email).await, "{email}");
        app.deliver_mail().await;
        // Past every per-minute limit, well within the day.
        app.clock.advance_secs(61);
    }
    assert_eq!(
        to_victim(MailKind::VerifyEmail, &app),
        3,
        "three verification mails a day per mailbox, however it is spelt and however often \
         its account is deleted"
    );
    assert_eq!(
        to_victim(MailKind::AccountDeleted, &app),
        0,
        "no notices to an address nobody proved"
    );

    // The next day the mailbox may be mailed again, and a proved account still hears of its
    // deletion.
    app.clock.advance_secs(24 * 3600);
    let id = app.verified_user("victim+owner@gmail.com").await;
    assert!(!id.is_empty());
    assert_eq!(to_victim(MailKind::VerifyEmail, &app), 4);
    let owner = app.new_session("victim+owner@gmail.com").await;
    let deleted = owner
        .send(
            Method::DELETE,
            "/api/v1/account",
            Some(json!({"password": GOOD_PASSWORD})),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    app.deliver_mail().await;
    assert_eq!(to_victim(MailKind::AccountDeleted, &app), 1);
}

#[tokio::test]
async fn plus_tags_and_dots_share_one_mailboxs_rate_limit() {
    let app = TestApp::spawn().await;
    // Five resends an hour per address: spelt six ways, it is still one mailbox.
    let mut statuses = Vec::new();
    for n in 0..6 {
        // From six clients, so only the per-mailbox budget is shared.
        let response = app
            .client
            .post(app.at("/api/v1/auth/resend-verification"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&json!({"email": format!("a.d.a+{n}@example.com")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429]);
}
