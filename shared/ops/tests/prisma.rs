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
    assert_eq!(parsed, 16);
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
    // documenso: Field.recipientId and its relation go optional -> required; the relation
    // field has no column, and its foreign key keeps its explicit `onDelete: Cascade`.
    let d = pair("documenso_1");
    assert_eq!(summary(&d), ["alterOptionality Field.recipientId"]);
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
    // dub: Link.tagId and its relation dropped, Tag.links retargeted. With
    // `relationMode = "prisma"` there are no foreign keys, and relation fields no columns:
    // only the column and its index count.
    let d = pair("dub_1");
    assert_eq!(
        summary(&d),
        ["dropField Link.tagId", "dropIndex Link.tagId"]
    );
    assert_eq!(d.risk_score, 9);
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

fn ops_between(base: &str, target: &str) -> rampart_ops::schema::Diff {
    rampart_ops::schema::diff(&parse(base).unwrap(), &parse(target).unwrap())
}

fn described(d: &rampart_ops::schema::Diff) -> Vec<String> {
    d.ops
        .iter()
        .map(|o| {
            format!(
                "{} {}.{} {}->{} {}",
                o.op,
                o.model,
                o.field.as_deref().unwrap_or("-"),
                o.from.as_deref().unwrap_or("-"),
                o.to.as_deref().unwrap_or("-"),
                o.risk
            )
        })
        .collect()
}

#[test]
fn tables_columns_and_values_are_matched_by_their_database_names() {
    let base = "model User {\n  id Int @id\n  email String @map(\"email\")\n  @@map(\"users\")\n}\n\
                enum Role {\n  ADMIN @map(\"admin\")\n  USER\n}\n";
    // Renamed in the schema, same column, same table, same values: nothing happens in the database.
    let same_db = "model Account {\n  id Int @id\n  mail String @map(\"email\")\n  @@map(\"users\")\n}\n\
                   enum Role {\n  Administrator @map(\"admin\")\n  USER\n}\n";
    let d = ops_between(base, same_db);
    assert!(d.ops.is_empty(), "{:?}", described(&d));
    // A new column name for the same field: Prisma Migrate drops and adds the column.
    let new_column = base.replace("@map(\"email\")", "@map(\"mail\")");
    assert_eq!(
        described(&ops_between(base, &new_column)),
        ["renameCandidate User.email email->mail 6"]
    );
    // A new table name for the same model.
    let new_table = base.replace("@@map(\"users\")", "@@map(\"accounts\")");
    assert_eq!(
        described(&ops_between(base, &new_table)),
        ["renameCandidate User.- users->accounts 6"]
    );
    // A new stored value for the same enum member.
    let new_value = base.replace("@map(\"admin\")", "@map(\"administrator\")");
    assert_eq!(
        described(&ops_between(base, &new_value)),
        [
            "dropEnumValue Role.- admin->- 6",
            "addEnumValue Role.- -->administrator 1"
        ]
    );
}

#[test]
fn native_types_lists_and_optionality_are_all_type_changes() {
    let base =
        "model T {\n  id Int @id\n  code String @db.VarChar(255)\n  n Int?\n  tags String\n}\n";
    let target =
        "model T {\n  id Int @id\n  code String @db.VarChar(50)\n  n BigInt\n  tags String[]\n}\n";
    let d = ops_between(base, target);
    assert_eq!(
        described(&d),
        [
            "alterType T.code String @db.VarChar(255)->String @db.VarChar(50) 6",
            "alterType T.n Int?->BigInt 6",
            "alterOptionality T.n Int?->BigInt 7",
            "alterType T.tags String->String[] 6",
        ]
    );
    assert_eq!(d.window_recommendation, "maintenance");
}

#[test]
fn constraints_are_compared_by_columns_not_spelling() {
    let base = "model T {\n  id Int @id\n  a String @unique\n  b Int\n  @@index([b])\n  @@index([a, b], map: \"old_name\")\n}\n";
    let same = "model T {\n  id Int @id\n  a String\n  b Int\n  @@unique([a])\n  @@index(fields: [b])\n  @@index([a, b], map: \"new_name\")\n}\n";
    let d = ops_between(base, same);
    assert!(d.ops.is_empty(), "{:?}", described(&d));
    let changed = "model T {\n  a String @unique\n  b Int @id\n  @@index([b(sort: Desc)])\n  @@index([a, b])\n}\n";
    assert_eq!(
        described(&ops_between(base, changed)),
        [
            "dropField T.id -->- 8",
            "dropIndex T.b [b]->- 1",
            "addIndex T.- -->[b(sort: Desc)] 2",
            "alterPrimaryKey T.- [id]->[b] 6",
        ]
    );
}

#[test]
fn enums_views_and_composite_types_have_their_own_weights() {
    let base = "model Post {
  id Int @id
  address Address
  kind Kind
}
                type Address {
  street String
}
                enum Kind {
  A
}
                view Stats {
  id Int @unique
  total Int
}
                model Log {
  id Int @id
}
";
    let target = "model Post {
  id Int @id
  kind Kind2
}
                  type Address {
  street String
}
                  enum Kind2 {
  A
}
                  view Log {
  id Int @unique
}
";
    assert_eq!(
        described(&ops_between(base, target)),
        [
            // A model turned into a view: its table and rows go.
            "dropModel Log.- -->- 10",
            "dropModel Stats.- -->- 1",
            "addModel Log.- -->- 1",
            // An embedded composite value is data, not a relation.
            "dropField Post.address -->- 8",
            "alterType Post.kind Kind->Kind2 6",
            "dropEnum Kind.- -->- 2",
            "addEnum Kind2.- -->- 1",
        ]
    );
}

#[test]
fn foreign_keys_defaults_and_join_tables_are_what_the_database_sees() {
    let schema = |datasource: &str, post: &str| {
        parse(&format!(
            "datasource db {{\n  provider = \"postgresql\"\n{datasource}}}\n\
             model User {{\n  id String @id @default(cuid())\n  posts Post[]\n  tags Tag[]\n}}\n\
             model Tag {{\n  id Int @id\n  users User[]\n}}\n\
             model Post {{\n  id Int @id\n  userId String\n{post}}}\n"
        ))
        .unwrap()
    };
    let owned = "  user User @relation(fields: [userId], references: [id])\n";
    let cascading =
        "  user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n";
    let ops = |a: &rampart_ops::schema::PrismaSchema, b: &rampart_ops::schema::PrismaSchema| {
        summary(&rampart_ops::schema::diff(a, b))
    };
    // The implied default is Restrict: spelling it out changes nothing; Cascade does.
    let restrict = owned.replace("[id])", "[id], onDelete: Restrict)");
    assert!(ops(&schema("", owned), &schema("", &restrict)).is_empty());
    assert_eq!(
        ops(&schema("", owned), &schema("", cascading)),
        ["alterForeignKey Post.-"]
    );
    // With relationMode = "prisma" there is no key to change.
    let prisma_mode = "  relationMode = \"prisma\"\n";
    assert!(ops(&schema(prisma_mode, owned), &schema(prisma_mode, cascading)).is_empty());
    // A key on an existing column, added; dropped with its relation field.
    assert_eq!(
        ops(&schema("", ""), &schema("", owned)),
        ["addForeignKey Post.-"]
    );
    assert_eq!(
        ops(&schema("", owned), &schema("", "")),
        ["dropForeignKey Post.-"]
    );
    // Client-side ids are no database default; a database one is.
    let uuid = schema("", owned);
    let mut with_uuid = uuid.clone();
    with_uuid.models[0].fields[0] = parse("model X {\n  id String @id @default(uuid())\n}")
        .unwrap()
        .models[0]
        .fields[0]
        .clone();
    assert!(ops(&uuid, &with_uuid).is_empty());
    let mut generated = uuid.clone();
    generated.models[0].fields[0] =
        parse("model X {\n  id String @id @default(dbgenerated(\"gen_random_uuid()\"))\n}")
            .unwrap()
            .models[0]
            .fields[0]
            .clone();
    assert_eq!(ops(&uuid, &generated), ["alterDefault User.id"]);
    // The implicit many-to-many between User and Tag lives in `_TagToUser`.
    let without_tags = parse(
        "datasource db {\n  provider = \"postgresql\"\n}\n\
         model User {\n  id String @id @default(cuid())\n  posts Post[]\n}\n\
         model Tag {\n  id Int @id\n}\n\
         model Post {\n  id Int @id\n  userId String\n  user User @relation(fields: [userId], references: [id])\n}\n",
    )
    .unwrap();
    let d = rampart_ops::schema::diff(&schema("", owned), &without_tags);
    assert_eq!(summary(&d), ["dropModel _TagToUser.-"]);
    assert_eq!(d.window_recommendation, "maintenance", "its links are lost");
}

mod support {
    include!("support/many_relations.rs");
}

#[test]
fn a_schema_of_fifteen_thousand_relations_is_diffed_in_one_pass() {
    let (base, target) = support::many_relations(15_000);
    assert!(base.len() > 500_000, "{} bytes", base.len());
    let (base, target) = (parse(&base).unwrap(), parse(&target).unwrap());
    let diff = rampart_ops::schema::diff(&base, &target);
    let ops: Vec<(&str, &str)> = diff.ops.iter().map(|o| (o.op, o.model.as_str())).collect();
    // Relation fields have no column; the last relation's join table goes.
    assert_eq!(ops, [("dropModel", "_r14999")]);
}

#[test]
fn schemas_past_the_caps_are_refused_naming_the_cap() {
    let blocks: String = (0..=rampart_ops::schema::MAX_BLOCKS)
        .map(|i| format!("enum E{i} {{\n  A\n}}\n"))
        .collect();
    let error = parse(&blocks).unwrap_err();
    assert!(error.message.contains("at most 5000 models"), "{error}");
    assert_eq!(error.line, 3 * rampart_ops::schema::MAX_BLOCKS + 1);

    let mut members = String::from("model M {\n");
    for i in 0..=rampart_ops::schema::MAX_MEMBERS {
        members.push_str(&format!("  f{i} Int\n"));
    }
    members.push_str("}\n");
    let error = parse(&members).unwrap_err();
    assert!(error.message.contains("at most 50000 fields"), "{error}");
    assert_eq!(error.line, rampart_ops::schema::MAX_MEMBERS + 2);
}
