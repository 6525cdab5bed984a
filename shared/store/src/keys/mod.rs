//! Every table's key layout: the partition keys, sort keys, sort-key prefixes and GSI key
//! values items are stored under, one file per table.
//!
//! The rule: no other module spells a key prefix. Code that reads or writes an item asks
//! for its key here, so a layout is defined once and a change to it is a visible change to
//! this module (and to the test below, which pins it byte for byte: stored data must keep
//! being found). Hashing and formatting of the parts (token digests, RFC 3339 times) stay
//! with their owners; these functions only place the parts.

pub mod audit;
pub mod content;
pub mod health;
pub mod intel;
pub mod ratelimits;
pub mod sessions;
pub mod state;
pub mod users;

use crate::port::Key;

/// The key a store ping reads: no table holds an item there, so the read is cheap.
pub fn ping() -> Key {
    Key::new("ping", "ping")
}

/// The day (`YYYY-MM-DD`) of an RFC 3339 time: the unit of the day partitions.
pub fn day_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pk: &str, sk: &str) -> Key {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    // Stored data is found by these exact bytes: a failure here means existing items would
    // no longer be found, so change the expectation only with a migration.
    #[test]
    fn layouts_are_pinned() {
        assert_eq!(ping(), key("ping", "ping"));
        assert_eq!(day_of("2026-11-22T09:00:00Z"), "2026-11-22");

        assert_eq!(users::account("u1"), key("user#u1", "user"));
        assert_eq!(users::partition("u1"), "user#u1");
        assert_eq!(users::email_claim("a@x.io"), key("email#a@x.io", "claim"));
        assert_eq!(users::totp("u1"), key("user#u1", "totp"));
        assert_eq!(
            users::recovery_code("u1", "h"),
            key("user#u1", "recovery#h")
        );
        assert_eq!(users::RECOVERY_CODE_PREFIX, "recovery#");
        assert_eq!(users::export("u1", "e1"), key("user#u1", "export#e1"));
        assert_eq!(users::EXPORT_PREFIX, "export#");
        assert_eq!(users::api_key("h"), key("apikey#h", "key"));
        assert_eq!(users::api_key_by_id("k1"), "apikey#k1");
        assert_eq!(users::API_KEY_BY_ID_SORT, "key");
        assert_eq!(users::api_key_link("u1", "k1"), key("user#u1", "apikey#k1"));
        assert_eq!(users::API_KEY_LINK_PREFIX, "apikey#");
        assert_eq!(users::email_verification("h"), key("verify#h", "token"));
        assert_eq!(users::password_reset("h"), key("reset#h", "token"));
        assert_eq!(
            users::account_exists_notice("a@x.io"),
            key("mailbox#a@x.io", "exists-notice")
        );
        assert_eq!(
            users::verification_mail_count("a@x.io", 20_000),
            key("mailbox#a@x.io", "verify-mails#20000")
        );

        assert_eq!(sessions::session("s1"), key("session#s1", "session"));
        assert_eq!(sessions::by_user("u1"), "user#u1");
        assert_eq!(sessions::by_user_sort(42, "s1"), "000000000042#s1");
        assert_eq!(sessions::challenge("h"), key("challenge#h", "challenge"));

        assert_eq!(state::oauth("h"), key("oauth#h", "state"));
        assert_eq!(state::discord("ship#r1"), key("discord#ship#r1", "state"));
        assert_eq!(state::interaction("i1"), key("interaction#i1", "seen"));

        let at = "2026-11-22T09:00:00Z";
        assert_eq!(
            audit::record(at, "a1"),
            key("day#2026-11-22#1", "2026-11-22T09:00:00Z#a1")
        );
        assert_eq!(audit::by_event("auth.login"), "event#auth.login");
        assert_eq!(audit::by_actor("u1"), "actor#u1");

        assert_eq!(intel::pr(7), key("pr#7", "pr"));
        assert_eq!(content::projects("u1"), "projects#u1");
        assert_eq!(content::project("u1", "p1"), key("projects#u1", "p1"));
        assert_eq!(content::ticket("t1"), key("ticket#t1", "ticket"));
        assert_eq!(content::tickets_of("u1"), "tickets#owner#u1");
        assert_eq!(content::ALL_TICKETS, "tickets#all");
        assert_eq!(content::ticket_order('a', 'b', "t1"), "ab#t1");
        assert_eq!(content::counter("posts"), key("count#posts", "n"));
        assert_eq!(
            content::daily("posts", "u1", 20_000),
            key("daily#posts#u1", "20000")
        );
        assert_eq!(content::post("p1"), key("post#p1", "post"));
        assert_eq!(content::ALL_POSTS, "posts#all");
        assert_eq!(content::posts_by("u1"), "posts#author#u1");
        assert_eq!(content::status_event("e1"), key("status#event#e1", "event"));
        assert_eq!(content::status_events_of("api"), "status#service#api");
        assert_eq!(content::ALL_STATUS_EVENTS, "status#all");
        assert_eq!(content::current_status("api"), key("status#current", "api"));
        assert_eq!(content::profile("u1"), key("profile#u1", "profile"));
        assert_eq!(content::settings("u1"), key("settings#u1", "settings"));
        assert_eq!(content::media("u1", "m1"), key("media#u1", "m1"));
        assert_eq!(content::knowledge_entry("k1"), key("kb#entry#k1", "entry"));
        assert_eq!(content::knowledge_token("lamp"), "kb#tok#lamp");
        assert_eq!(content::knowledge_stats(), key("kb#stats", "stats"));
        assert_eq!(content::knowledge_by("u1"), "kb#author#u1");
        assert_eq!(content::ALL_KNOWLEDGE, "kb#all");
        assert_eq!(
            content::search_token("public", "lamp"),
            "search#public#lamp"
        );
        assert_eq!(state::idempotency("ab"), key("idem#ab", "idem"));
        assert_eq!(intel::pr_delivery(7, "ab"), key("pr#7", "delivery#ab"));
        assert_eq!(intel::alert("f1"), key("alert#f1", "alert"));
        assert_eq!(users::admins(), key("admins", "set"));
        assert_eq!(
            ratelimits::security_stats("2026-11-26T10"),
            "stats:2026-11-26T10"
        );
        assert_eq!(intel::alerts_by_status("firing"), "alerts#firing");
        assert_eq!(intel::FLAKY_TESTS, "tests");
        assert_eq!(intel::flaky_test("d"), key("tests", "d"));
        assert_eq!(intel::release("01R"), key("releases", "01R"));
        assert_eq!(intel::RELEASES, "releases");
        assert_eq!(intel::csp_reports("2026-11-22"), "csp#2026-11-22");
        assert_eq!(
            intel::csp_report(at, "c1"),
            key("csp#2026-11-22", "2026-11-22T09:00:00Z#c1")
        );
        assert_eq!(
            intel::csp_count("2026-11-22"),
            key("csp-count", "2026-11-22")
        );

        let partition = ratelimits::partition("login", &ratelimits::address("192.0.2.1"));
        assert_eq!(partition, "rl:login:ip:192.0.2.1");
        assert_eq!(ratelimits::caller("u1"), "u:u1");
        assert_eq!(ratelimits::account("a@x.io"), "acct:a@x.io");
        assert_eq!(ratelimits::counter(&partition, 3), key(&partition, "e3"));
        assert_eq!(
            ratelimits::violations(&partition),
            key(&partition, "violations")
        );

        assert_eq!(health::SNAPSHOTS, "snapshot");
        assert_eq!(
            health::snapshot("2026-11-22T09:00:00Z"),
            key("snapshot", "2026-11-22T09:00:00Z")
        );
    }
}
