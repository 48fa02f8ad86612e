//! At most N requests per second to one provider, shared by every task that calls it.

use std::time::{Duration, Instant};

/// Spaces requests evenly. Callers queue on a fair lock and the one holding it sleeps until
/// its turn, so a caller that goes away (its client left, its deadline passed) leaves the
/// queue and uses no slot: only requests actually sent move the next slot on.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    /// When the next request may go; `None` before the first.
    next: tokio::sync::Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` of 0 means no limit.
    pub fn per_second(per_second: u32) -> Self {
        let interval = match per_second {
            0 => Duration::ZERO,
            n => Duration::from_secs(1) / n,
        };
        Self {
            interval,
            next: tokio::sync::Mutex::new(None),
        }
    }

    /// Waits for this caller's turn. Cancellation-safe: dropped while waiting, it takes
    /// nothing from the callers behind it.
    pub async fn acquire(&self) {
        if self.interval.is_zero() {
            return;
        }
        let mut next = self.next.lock().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at.into()).await;
        }
        // Counted from now: idle time is not saved up for a burst later.
        *next = Some(Instant::now() + self.interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_spaced_by_the_interval() {
        let limiter = RateLimiter::per_second(20);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // Four gaps of 50 ms after the first, which goes at once.
        assert!(
            start.elapsed() >= Duration::from_millis(195),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn callers_that_leave_while_waiting_give_their_slot_back() {
        let limiter = RateLimiter::per_second(10);
        limiter.acquire().await;
        // Fifty callers give up after a millisecond, as clients closing their page would.
        for _ in 0..50 {
            let _ = tokio::time::timeout(Duration::from_millis(1), limiter.acquire()).await;
        }
        let start = Instant::now();
        limiter.acquire().await;
        // One interval at most, not the 5 s the abandoned slots would add up to.
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn zero_means_no_limit() {
        let limiter = RateLimiter::per_second(0);
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(100));
    }
}
