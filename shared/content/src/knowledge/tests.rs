use super::*;
use std::sync::Arc;

#[test]
fn words_fold_case_and_accents() {
    assert_eq!(
        tokens("Été À la CAFÉ-crème, x 42"),
        ["ete", "la", "cafe", "creme", "42"]
    );
}

#[test]
fn the_contract_character_rule() {
    let q = |s: &str| KnowledgeQuery { query: s.into() }.validate();
    assert!(q("How do I rotate keys? (v2) \"now\", 'please': ok-ish.").is_ok());
    assert!(q("Ünïcödé letters 7").is_ok());
    for bad in ["test<>;", "", "   ", "a;b", "x/y"] {
        match q(bad) {
            Err(KnowledgeError::Validation(errors)) => assert_eq!(errors[0].field, "query"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(q(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
}

#[tokio::test]
async fn a_query_finds_entries_by_folded_words_best_first() {
    let clock = Arc::new(rampart_core::ManualClock::at_ms(1_795_338_000_000));
    let kb = Knowledge::new(Arc::new(rampart_store::EmbeddedStore::memory(clock)));
    let new = |title: &str, body: &str| NewEntry {
        title: title.into(),
        body: body.into(),
        tags: vec![],
    };
    kb.create(
        "rev",
        new(
            "Rotating keys",
            "Rotate the signing keys: rotate, then verify.",
        ),
        "t",
    )
    .await
    .unwrap();
    kb.create("rev", new("Café opening", "The café opens at nine."), "t")
        .await
        .unwrap();
    let answers = kb
        .query(&KnowledgeQuery {
            query: "CAFE".into(),
        })
        .await
        .unwrap();
    assert_eq!(answers.items.len(), 1);
    assert_eq!(answers.items[0].entry.title, "Café opening");
    let answers = kb
        .query(&KnowledgeQuery {
            query: "rotate keys".into(),
        })
        .await
        .unwrap();
    assert_eq!(answers.items[0].entry.title, "Rotating keys");
    assert_eq!(kb.summary().await.unwrap().entries, 2);
}
