//! The account rules shared by pages and API: password hashing within a memory budget,
//! registration, and log-in with throttling that strangers cannot turn into a lockout.
//!
//! # Throttling
//!
//! Before a password is checked, the attempt is *reserved* in the database in one
//! transaction: a counter per bucket that an `INSERT … ON CONFLICT DO UPDATE … WHERE
//! count < limit` bumps only while it is under the limit. However many requests arrive
//! at once, no more than the limit ever reach the password check. A failure keeps its
//! reservation; a success gives it back.
//!
//! Which bucket follows OWASP's device cookies: a browser that has logged in to an
//! account before carries a random token (the `movierec_device` cookie) and gets its own
//! allowance for that account. Every other browser shares the account's bucket and, in
//! addition, its address's bucket. A stranger guessing at an account exhausts the shared
//! bucket only, so the owner keeps logging in from their usual browser, while the
//! guesser gets no more than [`MAX_FAILURES_PER_ACCOUNT`] tries per window.

pub(crate) mod hashing;
mod log_in;
mod register;
pub(crate) mod throttle;

pub use hashing::{HashError, Hasher, HashingLimits};
pub use log_in::{LogInAttempt, LogInOutcome, LoggedIn, log_in};
pub use register::{NewAccount, RegisterOutcome, RegisterRefusal, register};
pub use throttle::{
    DEVICE_TOKEN_DAYS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, THROTTLE_WINDOW_SECS,
    remember_device, shared_buckets, try_again_in,
};
