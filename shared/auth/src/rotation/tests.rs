use super::*;

#[test]
fn the_scanned_tables_are_exactly_those_holding_sealed_fields() {
    let mut tables: Vec<Table> = FIELDS.iter().map(|f| f.table).collect();
    tables.dedup();
    assert_eq!(tables, SEALED_TABLES);
}
