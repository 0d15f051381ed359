//! What the producer needs to know before it connects.

use kio_core::records::Compression;

/// The producer's settings. Build with [`Config::new`] and change fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config<'a> {
    /// The client id in every request header.
    pub client_id: &'a str,
    /// The one topic this producer writes to.
    pub topic: &'a str,
    /// How long the broker may wait for the in-sync replicas (Produce `timeout_ms`).
    pub timeout_ms: i32,
    /// Attempts after the first for one request (connect or one batch).
    pub retries: u8,
    /// Backoff before the first retry; doubles each time up to `max_backoff_ms`.
    pub backoff_ms: u32,
    /// Largest backoff.
    pub max_backoff_ms: u32,
    /// Codec of the batches [`Producer::batch`](crate::Producer::batch) starts.
    pub compression: Compression,
}

impl<'a> Config<'a> {
    /// Defaults: 10 retries, 100 ms backoff doubling up to 2 s, 5 s broker
    /// timeout, no compression.
    pub const fn new(client_id: &'a str, topic: &'a str) -> Self {
        Config {
            client_id,
            topic,
            timeout_ms: 5_000,
            retries: 10,
            backoff_ms: 100,
            max_backoff_ms: 2_000,
            compression: Compression::None,
        }
    }

    /// The backoff before retry number `attempt` (1-based).
    pub fn backoff(&self, attempt: u8) -> u32 {
        let shift = u32::from(attempt.saturating_sub(1)).min(16);
        self.backoff_ms
            .saturating_mul(1 << shift)
            .min(self.max_backoff_ms)
    }
}
