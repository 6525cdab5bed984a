//! JSON as JSON Schema reads it.

use serde_json::Value;

/// Rewrites every number without a fractional part (`264.0`, `1e3`) as an integer, where it
/// fits `u64` or `i64`. JSON Schema's `integer` is any such number, and clients (and the
/// OpenAPI tools that generate requests) may write one with a decimal point; serde reads
/// those only into floats, so without this a documented integer field would refuse them.
/// Floating-point fields still read the rewritten numbers.
pub fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            let Some(f) = number.as_f64() else { return };
            if f.fract() != 0.0 {
                return;
            }
            // 2^64 and -2^63: the ends of the integer types, exactly representable.
            if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                *value = Value::from(f as u64);
            } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::integral_numbers;

    #[test]
    fn integral_floats_become_integers_and_nothing_else_moves() {
        let mut document = json!({
            "size": 264.0, "big": 5.2199710356154e16, "neg": -3.0, "zero": -0.0,
            "half": 0.5, "huge": 1e300, "list": [1.0, 2.5, "3.0"], "int": 7, "text": "4.0",
        });
        integral_numbers(&mut document);
        assert_eq!(
            document,
            json!({
                "size": 264, "big": 52_199_710_356_154_000_u64, "neg": -3, "zero": 0,
                "half": 0.5, "huge": 1e300, "list": [1, 2.5, "3.0"], "int": 7, "text": "4.0",
            })
        );
        let size: u64 = serde_json::from_value(document["size"].clone()).unwrap();
        assert_eq!(size, 264);
    }
}
