//! Milliseconds from SysTick (25 MHz core clock on mps2-an386), polled:
//! the counter wraps every millisecond and `now_ms` counts the wraps, so it
//! must be called at least once a millisecond while time matters (every
//! wait loop here does).

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;

/// The core clock of mps2-an386.
const CORE_HZ: u32 = 25_000_000;

/// A polled millisecond clock.
pub struct Clock {
    syst: SYST,
    ms: u64,
}

impl Clock {
    /// Starts SysTick wrapping once a millisecond.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(CORE_HZ / 1_000 - 1);
        syst.clear_current();
        syst.enable_counter();
        Clock { syst, ms: 0 }
    }

    /// Milliseconds since `new`.
    pub fn now_ms(&mut self) -> u64 {
        if self.syst.has_wrapped() {
            self.ms += 1;
        }
        self.ms
    }
}
