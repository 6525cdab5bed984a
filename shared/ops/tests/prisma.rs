//! Every Prisma fixture (real schemas from public projects) parses, with what a reader sees in
//! it; broken schemas fail with a line and column.

use rampart_ops::schema::{Arity, Expr, ModelKind, parse};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/prisma/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_fixture_parses() {
    let dir = format!("{}/tests/fixtures/prisma", env!("CARGO_MANIFEST_DIR"));
    let mut parsed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "prisma") {
            let text = std::fs::read_to_string(&path).unwrap();
            let schema = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!schema.models.is_empty(), "{}", path.display());
            parsed += 1;
        }
    }
    assert_eq!(parsed, 10);
}

#[test]
fn langfuse_has_views_generators_and_relations() {
    let schema = parse(&fixture("unusual_views_langfuse.prisma")).unwrap();
    assert!(schema.models.iter().any(|m| m.kind == ModelKind::View));
    assert_eq!(
        schema
            .configs
            .iter()
            .filter(|c| c.kind == "generator")
            .count(),
        3
    );
    let account = schema.models.iter().find(|m| m.name == "Account").unwrap();
    let user = account.fields.iter().find(|f| f.name == "user").unwrap();
    let relation = user
        .attributes
        .iter()
        .find(|a| a.name == "relation")
        .unwrap();
    assert_eq!(
        relation.render(),
        "relation(fields: [userId], references: [id], onDelete: Cascade)"
    );
    let refresh = account
        .fields
        .iter()
        .find(|f| f.name == "refresh_token")
        .unwrap();
    assert_eq!(
        (refresh.ty.as_str(), &refresh.arity),
        ("String", &Arity::Optional)
    );
    assert_eq!(
        account.attributes[0].render(),
        "unique([provider, providerAccountId])"
    );
}

#[test]
fn multischema_indexes_with_sort_and_map_parse() {
    let schema = parse(&fixture(
        "unusual_supabase-multischema_leetcode-review.prisma",
    ))
    .unwrap();
    let with_sort = schema
        .models
        .iter()
        .flat_map(|m| &m.attributes)
        .find(|a| a.name == "index" && a.render().contains("sort: Desc"))
        .unwrap();
    assert!(
        matches!(&with_sort.args[0].value, Expr::Array(items) if matches!(&items[0], Expr::Call(_, _)))
    );
}

#[test]
fn errors_carry_line_and_column() {
    let cases = [
        ("model A {\n  id Int @id\n", 2, 14),
        ("model A {\n  id Int @default(\n}", 3, 1),
        ("model A {\n  id Int[]?\n}", 2, 11),
        ("modle A {}", 1, 1),
        ("model A {\n  name String @map(\"x)\n}", 2, 20),
        ("enum E {\n  A\n  $\n}", 3, 3),
        // An escaped line end does not carry a string onto the next line.
        ("model A {\n  name String @default(\"a\\\n b\")\n}", 2, 24),
    ];
    for (text, line, column) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.column), (line, column), "{text:?}: {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("line {line}, column {column}: "))
        );
    }
}

fn pair(name: &str) -> rampart_ops::schema::Diff {
    let base = parse(&fixture(&format!("{name}_base.prisma"))).unwrap();
    let target = parse(&fixture(&format!("{name}_target.prisma"))).unwrap();
    rampart_ops::schema::diff(&base, &target)
}

fn summary(d: &rampart_ops::schema::Diff) -> Vec<String> {
    d.ops
        .iter()
        .map(|o| format!("{} {}.{}", o.op, o.model, o.field.as_deref().unwrap_or("-")))
        .collect()
}

#[test]
fn each_fixture_pair_diffs_as_reading_the_files_shows() {
    // documenso: Field.recipientId and its relation go optional -> required.
    let d = pair("documenso_1");
    assert_eq!(
        summary(&d),
        [
            "alterOptionality Field.Recipient",
            "alterOptionality Field.recipientId"
        ]
    );
    assert_eq!(d.window_recommendation, "low_traffic");
    // formbricks: SurveyType's values email, mobile replaced by website, app.
    let d = pair("formbricks_1");
    let mut ops: Vec<String> = d
        .ops
        .iter()
        .map(|o| format!("{} {}", o.op, o.from.clone().or(o.to.clone()).unwrap()))
        .collect();
    ops.sort();
    assert_eq!(
        ops,
        [
            "addEnumValue app",
            "addEnumValue website",
            "dropEnumValue email",
            "dropEnumValue mobile"
        ]
    );
    assert_eq!(d.window_recommendation, "maintenance");
    // umami: 17 composite indexes added, nothing else.
    let d = pair("umami_1");
    assert_eq!(d.ops.len(), 17);
    assert!(d.ops.iter().all(|o| o.op == "addIndex"));
    assert_eq!(d.window_recommendation, "maintenance", "17 × 2 = 34");
    // dub: Link.tagId and its relation dropped, Tag.links retargeted.
    let d = pair("dub_1");
    let s = summary(&d);
    assert!(s.contains(&"dropField Link.tagId".to_owned()), "{s:?}");
    assert!(
        s.iter().any(|o| o.starts_with("alterType Tag.links")),
        "{s:?}"
    );
    assert_eq!(d.window_recommendation, "maintenance");
}

#[test]
fn identical_schemas_need_nothing_and_a_drop_plus_required_add_a_maintenance_window() {
    let text = fixture("documenso_1_base.prisma");
    let same = rampart_ops::schema::diff(&parse(&text).unwrap(), &parse(&text).unwrap());
    assert!(same.ops.is_empty());
    assert_eq!((same.risk_score, same.window_recommendation), (0, "none"));
    let base = parse("model U {\n id Int @id\n name String\n age Int\n}").unwrap();
    let target = parse("model U {\n id Int @id\n email String\n}").unwrap();
    let d = rampart_ops::schema::diff(&base, &target);
    assert_eq!(
        summary(&d),
        ["dropField U.name", "dropField U.age", "addField U.email"]
    );
    assert_eq!(d.window_recommendation, "maintenance");
    let renamed = parse("model U {\n id Int @id\n fullName String\n age Int\n}").unwrap();
    let d = rampart_ops::schema::diff(&base, &renamed);
    assert_eq!(summary(&d), ["renameCandidate U.fullName"]);
    assert_eq!(
        (d.ops[0].from.as_deref(), d.window_recommendation),
        (Some("name"), "low_traffic")
    );
    let target = parse("model U {\n id Int @id\n name String\n age Int\n nick String\n}").unwrap();
    let d = rampart_ops::schema::diff(&base, &target);
    assert_eq!(d.ops[0].risk, 8, "required without default");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Runs on a small stack, as a request handler's thread would.
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            for open in ["[", "f(", "a.b(x: ["] {
                let text = format!(
                    "model A {{\n  id Int @default({})\n}}",
                    open.repeat(100_000)
                );
                let err = parse(&text).unwrap_err();
                assert_eq!(err.line, 2, "{err}");
                assert!(err.message.contains("nest deeper than 32"), "{err}");
            }
            // Real schemas nest three deep at most; thirty levels still parse.
            let ok = format!(
                "model A {{\n  id Int @default(f({}1{}))\n}}",
                "[".repeat(29),
                "]".repeat(29)
            );
            parse(&ok).unwrap();
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn names_longer_than_256_characters_are_refused() {
    let text = format!("model {} {{\n  id Int @id\n}}\n", "A".repeat(257));
    let err = parse(&text).unwrap_err();
    assert_eq!((err.line, err.column), (1, 7), "{err}");
    assert!(err.message.contains("longer than 256"), "{err}");
    parse(&format!("model {} {{\n  id Int @id\n}}\n", "A".repeat(256))).unwrap();
}

#[test]
fn a_name_defined_twice_is_an_error_at_the_second() {
    let cases = [
        (
            "enum Role {\n  A\n}\n\nenum Role {\n  B\n}\n",
            5,
            6,
            "`Role` is already defined on line 1",
        ),
        (
            "model User {\n  id Int @id\n}\nenum User {\n  A\n}\n",
            4,
            6,
            "`User` is already defined on line 1",
        ),
        (
            "type T {\n  a Int\n}\nview T {\n  a Int\n}\n",
            4,
            6,
            "`T` is already defined on line 1",
        ),
        (
            "model A {\n  id Int @id\n  name String\n  name Int\n}\n",
            4,
            3,
            "the field `name` is already defined on line 3",
        ),
        (
            "enum E {\n  A\n  B @map(\"b\")\n  A\n}\n",
            4,
            3,
            "the value `A` is already defined",
        ),
    ];
    for (text, line, column, message) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.column), (line, column), "{text:?}: {err}");
        assert_eq!(err.message, message, "{text:?}");
    }
}
