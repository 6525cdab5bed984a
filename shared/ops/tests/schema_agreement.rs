//! The schema diff agrees with Prisma's own migration: for every fixture pair that has the SQL
//! `prisma migrate diff` wrote for it (`<pair>.prisma-diff.sql`), every statement of the
//! migration is explained by an op (each table and column created or dropped, each column
//! change, index, foreign key and enum change), every op that claims a database change has a
//! statement behind it, and a pair whose migration is empty gets risk ≤ 10 and window `none`.
//! `scripts/prisma-diff.sh` produces the SQL of a new pair.

use std::collections::{BTreeMap, BTreeSet};

use rampart_ops::schema::{Diff, Expr, ModelKind, Op, PrismaSchema, diff, parse};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/prisma/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// One thing a migration does: its class and the table (or enum) and column it touches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Fact {
    class: &'static str,
    table: String,
    column: Option<String>,
}

fn fact(class: &'static str, table: &str, column: Option<&str>) -> Fact {
    Fact {
        class,
        table: table.to_owned(),
        column: column.map(str::to_owned),
    }
}

/// The first double-quoted identifier after `after` in `text`.
fn quoted_after<'a>(text: &'a str, after: &str) -> Option<&'a str> {
    let rest = &text[text.find(after)? + after.len()..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(&rest[start..end])
}

/// The facts of a migration script, section by section (Prisma heads each with `-- <Kind>`).
fn facts(sql: &str) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut sections: Vec<(&str, String)> = Vec::new();
    for line in sql.lines() {
        if let Some(kind) = line.strip_prefix("-- ") {
            sections.push((kind.trim(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (kind, body) in &sections {
        let table = || quoted_after(body, "TABLE").unwrap().to_owned();
        match *kind {
            "This is an empty migration." => {}
            "CreateTable" => out.push(fact("createTable", &table(), None)),
            "DropTable" => out.push(fact("dropTable", &table(), None)),
            "CreateEnum" => out.push(fact(
                "createEnum",
                quoted_after(body, "TYPE").unwrap(),
                None,
            )),
            "DropEnum" => out.push(fact("dropEnum", quoted_after(body, "TYPE").unwrap(), None)),
            "AlterEnum" => {
                // A value added in place, or the type recreated without the dropped ones.
                let name = quoted_after(body, "TYPE").unwrap().trim_end_matches("_new");
                out.push(fact("alterEnum", name, None));
            }
            "AddForeignKey" => out.push(fact("addForeignKey", &table(), None)),
            "DropForeignKey" => out.push(fact("dropForeignKey", &table(), None)),
            "CreateIndex" => {
                let class = if body.contains("CREATE UNIQUE INDEX") {
                    "createUnique"
                } else {
                    "createIndex"
                };
                out.push(fact(class, quoted_after(body, " ON ").unwrap(), None));
            }
            "DropIndex" => out.push(fact(
                "dropIndex",
                quoted_after(body, "INDEX").unwrap(),
                None,
            )),
            "AlterTable" => {
                let t = table();
                // One action per line: `ADD COLUMN "c" ...`, `ALTER COLUMN "c" SET NOT NULL`, ...
                for action in body.split(",\n") {
                    let action = match action.find(&format!("\"{t}\"")) {
                        Some(i) if action.trim_start().starts_with("ALTER TABLE") => {
                            &action[i + t.len() + 2..]
                        }
                        _ => action,
                    }
                    .trim();
                    let column = |keyword| quoted_after(action, keyword);
                    let class = if action.starts_with("ADD COLUMN") {
                        "addColumn"
                    } else if action.starts_with("DROP COLUMN") {
                        "dropColumn"
                    } else if action.contains("NOT NULL") {
                        "optionality"
                    } else if action.contains("SET DATA TYPE") {
                        "type"
                    } else if action.contains("DEFAULT") {
                        "default"
                    } else if action.contains("PRIMARY KEY") || action.contains("_pkey") {
                        "primaryKey"
                    } else {
                        panic!("an ALTER TABLE action this test does not know: {action}")
                    };
                    out.push(fact(class, &t, column("COLUMN")));
                }
            }
            other => panic!("a migration section this test does not know: -- {other}"),
        }
    }
    out
}

/// Database names of the two schemas: tables by model name, columns by (model, field).
struct Names {
    tables: BTreeMap<String, String>,
    columns: BTreeMap<(String, String), String>,
}

fn map_arg(attributes: &[rampart_ops::schema::Attribute]) -> Option<String> {
    let map = attributes.iter().find(|a| a.name == "map")?;
    match &map.args.first()?.value {
        Expr::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn names(schemas: [&PrismaSchema; 2]) -> Names {
    let mut tables = BTreeMap::new();
    let mut columns = BTreeMap::new();
    for schema in schemas {
        for m in schema.models.iter().filter(|m| m.kind == ModelKind::Model) {
            let table = map_arg(&m.attributes).unwrap_or_else(|| m.name.clone());
            tables.entry(m.name.clone()).or_insert(table);
            for f in &m.fields {
                let column = map_arg(&f.attributes).unwrap_or_else(|| f.name.clone());
                columns.insert((m.name.clone(), f.name.clone()), column);
            }
        }
        for e in &schema.enums {
            tables
                .entry(e.name.clone())
                .or_insert_with(|| map_arg(&e.attributes).unwrap_or_else(|| e.name.clone()));
        }
    }
    Names { tables, columns }
}

/// The facts an op accounts for.
fn explained(op: &Op, names: &Names) -> Vec<Fact> {
    let table = names
        .tables
        .get(&op.model)
        .cloned()
        .unwrap_or_else(|| op.model.clone());
    let column = op.field.as_ref().map(|f| {
        names
            .columns
            .get(&(op.model.clone(), f.clone()))
            .cloned()
            .unwrap_or_else(|| f.clone())
    });
    let on = |class| fact(class, &table, column.as_deref());
    let whole = |class| fact(class, &table, None);
    match (op.op, &op.field) {
        ("addModel", _) => vec![whole("createTable")],
        ("dropModel", _) => vec![whole("dropTable")],
        ("renameCandidate", None) => vec![
            fact("dropTable", op.from.as_deref().unwrap(), None),
            fact("createTable", op.to.as_deref().unwrap(), None),
        ],
        ("renameCandidate", Some(_)) => vec![
            fact("dropColumn", &table, op.from.as_deref()),
            fact("addColumn", &table, op.to.as_deref()),
        ],
        ("addField", _) => vec![on("addColumn")],
        ("dropField", _) => vec![on("dropColumn")],
        ("alterType", _) => vec![on("type")],
        ("alterOptionality", _) => vec![on("optionality")],
        ("alterDefault", _) => vec![on("default")],
        ("alterPrimaryKey", _) => vec![whole("primaryKey")],
        ("addIndex", _) => vec![whole("createIndex")],
        ("addUnique", _) => vec![whole("createUnique")],
        ("dropIndex" | "dropUnique", _) => vec![whole("dropIndex")],
        ("addForeignKey", _) => vec![whole("addForeignKey")],
        ("dropForeignKey", _) => vec![whole("dropForeignKey")],
        ("alterForeignKey", _) => vec![whole("dropForeignKey"), whole("addForeignKey")],
        ("addEnumValue" | "dropEnumValue", _) => vec![whole("alterEnum")],
        ("addEnum", _) => vec![whole("createEnum")],
        ("dropEnum", _) => vec![whole("dropEnum")],
        (other, _) => panic!("an op this test does not know: {other}"),
    }
}

/// Checks one pair; returns its line of the summary table.
fn agree(pair: &str) -> String {
    let base = parse(&fixture(&format!("{pair}_base.prisma"))).unwrap();
    let target = parse(&fixture(&format!("{pair}_target.prisma"))).unwrap();
    let sql = fixture(&format!("{pair}.prisma-diff.sql"));
    let d: Diff = diff(&base, &target);
    let names = names([&target, &base]);
    let facts = facts(&sql);
    let covered: BTreeSet<Fact> = d.ops.iter().flat_map(|o| explained(o, &names)).collect();
    let created: BTreeSet<&str> = facts
        .iter()
        .filter(|f| f.class == "createTable")
        .map(|f| f.table.as_str())
        .collect();
    let dropped: BTreeSet<&str> = facts
        .iter()
        .filter(|f| f.class == "dropTable")
        .map(|f| f.table.as_str())
        .collect();
    for f in &facts {
        // A new table's indexes and keys come with it; a dropped table's keys go with it.
        let with_table = match f.class {
            "createIndex" | "createUnique" | "addForeignKey" => created.contains(f.table.as_str()),
            "dropForeignKey" => dropped.contains(f.table.as_str()),
            _ => false,
        };
        let matched = covered.contains(f)
            || with_table
            // Index names are not table names: a dropped index is matched by class.
            || (f.class == "dropIndex" && covered.iter().any(|c| c.class == "dropIndex"));
        assert!(
            matched,
            "{pair}: Prisma's {f:?} has no op; ops: {:#?}",
            d.ops
        );
    }
    for op in &d.ops {
        let claims = explained(op, &names);
        let backed = claims.iter().any(|c| {
            facts.contains(c)
                || (c.class == "dropIndex" && facts.iter().any(|f| f.class == "dropIndex"))
        });
        assert!(
            backed,
            "{pair}: op {op:?} has no statement in Prisma's migration"
        );
    }
    if facts.is_empty() {
        assert!(
            d.risk_score <= 10 && d.window_recommendation == "none",
            "{pair}: an empty migration scored {} / {}",
            d.risk_score,
            d.window_recommendation
        );
    }
    let mut statements: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &facts {
        *statements.entry(f.class).or_default() += 1;
    }
    let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &d.ops {
        *ops.entry(o.op).or_default() += 1;
    }
    format!(
        "| {pair} | {statements:?} | {ops:?} | {} | {} |",
        d.risk_score, d.window_recommendation
    )
}

#[test]
fn the_diff_agrees_with_prismas_migration_on_every_pair_that_has_one() {
    let dir = format!("{}/tests/fixtures/prisma", env!("CARGO_MANIFEST_DIR"));
    let mut pairs: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".prisma-diff.sql").map(str::to_owned)
        })
        .collect();
    pairs.sort();
    assert!(pairs.len() >= 6, "{pairs:?}");
    let lines: Vec<String> = pairs.iter().map(|p| agree(p)).collect();
    eprintln!(
        "| pair | Prisma's statements | ops | risk | window |\n|---|---|---|---|---|\n{}",
        lines.join("\n")
    );
}

#[test]
fn the_sql_reader_knows_what_each_statement_does() {
    let sql = "-- AlterTable\nALTER TABLE \"User\" ADD COLUMN     \"name\" TEXT NOT NULL,\n\
               ADD COLUMN     \"role\" \"Role\" NOT NULL DEFAULT 'USER',\n\
               ALTER COLUMN \"bio\" DROP NOT NULL,\nDROP COLUMN \"age\";\n\n\
               -- CreateIndex\nCREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");\n";
    assert_eq!(
        facts(sql),
        [
            fact("addColumn", "User", Some("name")),
            fact("addColumn", "User", Some("role")),
            fact("optionality", "User", Some("bio")),
            fact("dropColumn", "User", Some("age")),
            fact("createUnique", "User", None),
        ]
    );
    assert!(facts("\n-- This is an empty migration.\n").is_empty());
}
