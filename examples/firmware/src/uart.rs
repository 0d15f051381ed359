//! The CMSDK APB UART of QEMU's mps2-an386 (UART0 at 0x4000_4000) as an
//! `embedded_io` stream, and the [`Link`] the producer needs around it.
//!
//! QEMU connects the UART to a TCP socket (`-chardev socket,...,reconnect=1
//! -serial chardev:...`): bytes written go to the broker, the broker's bytes
//! arrive one at a time in the receive register. A UART cannot see the TCP
//! connection close, so a read that waits longer than the timeout fails
//! with `TimedOut`; that is how the producer learns the broker is gone.
//! While QEMU's socket is disconnected it drops what the UART sends, and it
//! reconnects on its own once a second.

use core::ptr::{read_volatile, write_volatile};

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use kio_producer::Link;

use crate::clock::Clock;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const BAUDDIV: usize = 0x10;
const TX_FULL: u32 = 1 << 0;
const RX_FULL: u32 = 1 << 1;
const TX_EN: u32 = 1 << 0;
const RX_EN: u32 = 1 << 1;

/// UART0 of mps2-an386.
pub const UART0: usize = 0x4000_4000;

/// One CMSDK UART.
pub struct Uart {
    base: usize,
}

impl Uart {
    /// Enables transmit and receive of the UART at `base`.
    ///
    /// # Safety
    /// `base` must be a CMSDK UART's register block, owned by the caller.
    pub unsafe fn new(base: usize) -> Self {
        let u = Uart { base };
        u.set(BAUDDIV, 16);
        u.set(CTRL, TX_EN | RX_EN);
        u
    }

    fn get(&self, reg: usize) -> u32 {
        // SAFETY: a register of the block `new` was given.
        unsafe { read_volatile((self.base + reg) as *const u32) }
    }

    fn set(&self, reg: usize, v: u32) {
        // SAFETY: a register of the block `new` was given.
        unsafe { write_volatile((self.base + reg) as *mut u32, v) }
    }

    /// A received byte, if one is waiting.
    pub fn try_read(&mut self) -> Option<u8> {
        (self.get(STATE) & RX_FULL != 0).then(|| self.get(DATA) as u8)
    }

    /// Sends a byte (waits while the transmit register is full).
    pub fn write_byte(&mut self, b: u8) {
        while self.get(STATE) & TX_FULL != 0 {}
        self.set(DATA, u32::from(b));
    }
}

/// The UART as the producer's connection, with a read timeout.
pub struct UartLink {
    uart: Uart,
    clock: Clock,
    /// How long a read waits for its first byte.
    pub timeout_ms: u32,
    /// Reconnects so far.
    pub reconnects: u32,
}

impl UartLink {
    /// A link over `uart`, timing with `clock`.
    pub fn new(uart: Uart, clock: Clock) -> Self {
        UartLink {
            uart,
            clock,
            timeout_ms: 3_000,
            reconnects: 0,
        }
    }

    /// Milliseconds since start (the test binary's report; producer-min has none).
    #[allow(dead_code)]
    pub fn now_ms(&mut self) -> u64 {
        self.clock.now_ms()
    }
}

impl ErrorType for UartLink {
    type Error = ErrorKind;
}

impl Read for UartLink {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let Some(first) = buf.first_mut() else {
            return Ok(0);
        };
        let start = self.clock.now_ms();
        loop {
            if let Some(b) = self.uart.try_read() {
                *first = b;
                break;
            }
            if self.clock.now_ms() - start > u64::from(self.timeout_ms) {
                return Err(ErrorKind::TimedOut);
            }
        }
        let mut n = 1;
        for slot in buf.iter_mut().skip(1) {
            match self.uart.try_read() {
                Some(b) => *slot = b,
                None => break,
            }
            n += 1;
        }
        Ok(n)
    }
}

impl Write for UartLink {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        for &b in buf {
            self.uart.write_byte(b);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl Link for UartLink {
    /// QEMU reopens the TCP connection by itself; here we drop whatever the
    /// old connection left in the receive register (until 300 ms of silence).
    fn reconnect(&mut self) -> Result<(), ErrorKind> {
        self.reconnects += 1;
        let mut quiet_since = self.clock.now_ms();
        while self.clock.now_ms() - quiet_since < 300 {
            if self.uart.try_read().is_some() {
                quiet_since = self.clock.now_ms();
            }
        }
        Ok(())
    }

    fn sleep_ms(&mut self, ms: u32) {
        let start = self.clock.now_ms();
        while self.clock.now_ms() - start < u64::from(ms) {}
    }
}
