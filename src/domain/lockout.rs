//! Sign-in lockout with backoff, as Cognito does it (reference §8.4): after 5 failed sign-ins
//! the user is locked for 1 s, doubling with every further failure, capped at 15 minutes;
//! attempts while locked are refused without counting; 15 minutes without a failure start
//! the count again. Pure rules; the counters live in the store.

/// Failures before the first lock.
pub const FREE_FAILURES: i64 = 5;
/// The longest lock.
pub const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
/// A quiet period after which the count starts again.
pub const RESET_AFTER_MS: i64 = 15 * 60 * 1000;

/// A user's failed sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub failures: i64,
    pub last_failed_at: i64,
    pub locked_until: i64,
}

impl Failures {
    /// Whether sign-in is refused at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        now < self.locked_until
    }
}

/// When a user with `failures` failures (the latest at `now`) may try again; `now` when not
/// locked.
pub fn lock_until(failures: i64, now: i64) -> i64 {
    if failures < FREE_FAILURES {
        return now;
    }
    let exponent = (failures - FREE_FAILURES).min(20) as u32;
    let lock = (1000_i64 << exponent).min(MAX_LOCK_MS);
    now + lock
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_fifth_failure_and_is_capped() {
        assert_eq!(lock_until(4, 0), 0);
        assert_eq!(lock_until(5, 0), 1000);
        assert_eq!(lock_until(6, 0), 2000);
        assert_eq!(lock_until(10, 0), 32_000);
        assert_eq!(lock_until(15, 0), 900_000);
        assert_eq!(lock_until(100, 0), 900_000);
        let f = Failures {
            failures: 5,
            last_failed_at: 0,
            locked_until: 1000,
        };
        assert!(f.is_locked(999));
        assert!(!f.is_locked(1000));
    }
}
