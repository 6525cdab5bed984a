// A schema of two models joined by `n` implicit many-to-many relations: one model with `n` list
// relation fields (about 35 bytes each, so 15,000 make about 500 KB), and the back relations.
// The target drops the last relation. Included by the schema tests and the benchmark.

/// The base and target schema texts with `n` relations.
#[allow(dead_code)]
pub fn many_relations(n: usize) -> (String, String) {
    let schema = |count: usize| {
        let mut hub = String::from("model Hub {\n  id Int @id\n");
        let mut leaf = String::from("model Leaf {\n  id Int @id\n");
        for i in 0..count {
            hub.push_str(&format!("  to{i} Leaf[] @relation(\"r{i}\")\n"));
            leaf.push_str(&format!("  from{i} Hub[] @relation(\"r{i}\")\n"));
        }
        hub.push_str("}\n\n");
        leaf.push_str("}\n");
        format!("datasource db {{\n  provider = \"postgresql\"\n  url = env(\"DB\")\n}}\n\n{hub}{leaf}")
    };
    (schema(n), schema(n - 1))
}
