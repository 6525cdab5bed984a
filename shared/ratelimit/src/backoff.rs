//! Progressive backoff: an identifier that hits its limit again within 24 h is locked out.

/// How long a caller is locked out after its `violations`-th violation within 24 hours:
/// none for the first, then 1 min, 5 min, 15 min, and 1 h for the 5th and later.
pub fn lockout_secs(violations: i64) -> i64 {
    match violations {
        i64::MIN..=1 => 0,
        2 => 60,
        3 => 5 * 60,
        4 => 15 * 60,
        _ => 60 * 60,
    }
}

/// How long violations are remembered.
pub(crate) const VIOLATION_MEMORY_SECS: i64 = 24 * 60 * 60;

/// The longest lockout, which bounds how long a counter item must outlive its windows.
pub(crate) const MAX_LOCKOUT_SECS: i64 = 60 * 60;

#[cfg(test)]
mod tests {
    #[test]
    fn the_ladder_is_1_5_15_60_minutes() {
        let ladder: Vec<i64> = (1..=7).map(super::lockout_secs).collect();
        assert_eq!(ladder, [0, 60, 300, 900, 3600, 3600, 3600]);
    }
}
