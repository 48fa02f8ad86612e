//! At most N requests per second to one provider, shared by every task that calls it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces requests evenly: each caller takes the next free slot and sleeps until it.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
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
            next: Mutex::new(None),
        }
    }

    /// The time the caller may send its request at, reserved for it.
    fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let slot = next.map_or(now, |t| t.max(now));
        *next = Some(slot + self.interval);
        slot
    }

    /// Waits for this caller's turn.
    pub async fn acquire(&self) {
        let slot = self.reserve(Instant::now());
        tokio::time::sleep_until(slot.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_by_the_interval_and_idle_time_is_not_saved_up() {
        let limiter = RateLimiter::per_second(4);
        let start = Instant::now();
        let slots: Vec<_> = (0..5).map(|_| limiter.reserve(start)).collect();
        for (i, slot) in slots.iter().enumerate() {
            assert_eq!(*slot - start, Duration::from_millis(250) * i as u32);
        }
        // Long after, the next request goes at once, and only one.
        let later = start + Duration::from_secs(10);
        assert_eq!(limiter.reserve(later), later);
        assert_eq!(limiter.reserve(later), later + Duration::from_millis(250));
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::per_second(0);
        let now = Instant::now();
        assert_eq!(limiter.reserve(now), now);
        assert_eq!(limiter.reserve(now), now);
    }
}
