use super::*;
use std::sync::Arc;

fn tickets() -> Tickets {
    let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
    Tickets::new(Arc::new(rampart_store::EmbeddedStore::memory(clock)))
}

fn new() -> NewTicket {
    NewTicket {
        subject: "Login fails".into(),
        body: "Since this morning.".into(),
        priority: Priority::High,
    }
}

const AT: &str = "2026-11-26T10:00:00Z";

#[tokio::test]
async fn an_owner_may_only_close_and_a_manager_may_change_anything() {
    let tickets = tickets();
    let ada = Caller {
        id: "ada",
        manages: false,
    };
    let reviewer = Caller {
        id: "rev",
        manages: true,
    };
    let made = tickets
        .create("ada", new(), AT, 1_795_338_000)
        .await
        .unwrap();
    let reprioritise = TicketPatch {
        priority: Some(Priority::Low),
        ..TicketPatch::default()
    };
    assert!(matches!(
        tickets
            .update(ada, &made.id, reprioritise.clone(), AT, |_| true)
            .await,
        Err(TicketError::Forbidden)
    ));
    let changed = tickets
        .update(reviewer, &made.id, reprioritise, AT, |_| true)
        .await
        .unwrap();
    assert_eq!(changed.priority, Priority::Low);
    let close = TicketPatch {
        status: Some(TicketStatus::Closed),
        ..TicketPatch::default()
    };
    let closed = tickets
        .update(ada, &made.id, close.clone(), AT, |_| true)
        .await
        .unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    // Another viewer sees nothing.
    let bob = Caller {
        id: "bob",
        manages: false,
    };
    assert!(matches!(
        tickets.update(bob, &made.id, close, AT, |_| true).await,
        Err(TicketError::NotFound)
    ));
}

#[test]
fn a_patch_names_null_to_unassign() {
    let patch: TicketPatch = serde_json::from_str(r#"{"assignee": null}"#).unwrap();
    assert_eq!(patch.assignee, Some(None));
    let patch: TicketPatch = serde_json::from_str(r#"{"status": "pending"}"#).unwrap();
    assert_eq!(patch.assignee, None);
    assert!(serde_json::from_str::<TicketPatch>(r#"{"status": "lost"}"#).is_err());
}
