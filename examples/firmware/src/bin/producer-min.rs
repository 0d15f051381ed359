//! The producer as a user's firmware would ship it, and nothing else: the
//! binary whose flash, RAM and stack `scripts/firmware-size.sh` and
//! `scripts/test-firmware.sh` report as the producer's footprint.
//!
//! It connects (ApiVersions, Metadata, InitProducerId), produces 300
//! sensor readings (record `i`: no key, value `i` as 4 big-endian bytes,
//! timestamp 1_700_000_000_000 + 1000 i) in 30 batches of 10 over three
//! partitions (batch `b` to partition `b % 3`) with `acks=-1` and
//! idempotence, and exits over semihosting: 0 on success, else the stage
//! that failed. No readback, no report formatting; the only harness left is
//! the stack's high-water mark printed at the end (src/stack.rs, a few dozen
//! bytes, counted apart by scripts/firmware-footprint.py). kafka-python
//! checks the records afterwards (`scripts/firmware-check.py check-min`).
#![no_std]
#![no_main]

use panic_halt as _;

#[cfg(feature = "defmt")]
use defmt_semihosting as _;

#[path = "../clock.rs"]
mod clock;
#[path = "../stack.rs"]
mod stack;
#[path = "../uart.rs"]
mod uart;
#[path = "../vectors.rs"]
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
#[cfg(feature = "lz4")]
use kio_core::records::Compression;
use kio_core::records::NewRecord;
use kio_producer::{Config, Producer};

use uart::{Uart, UartLink, UART0};

/// Records produced, records per batch, partitions.
const COUNT: u32 = 300;
const PER_BATCH: u32 = 10;
const PARTITIONS: u32 = 3;
/// The first record's timestamp.
const BASE_TIMESTAMP: i64 = 1_700_000_000_000;
/// The response buffer (ApiVersions is the largest answer while producing).
const RX: usize = 1024;
/// One batch of 10 readings (61 + 10 × 13 bytes uncompressed).
const BATCH: usize = 256;
/// Where lz4 compresses a batch before it is copied back.
const SCRATCH: usize = if cfg!(feature = "lz4") { 320 } else { 0 };

#[entry]
fn main() -> ! {
    let code = match cortex_m::Peripherals::take() {
        Some(cp) => {
            // SAFETY: UART0 is this board's and only this code uses it.
            let uart = unsafe { Uart::new(UART0) };
            let mut link = UartLink::new(uart, clock::Clock::new(cp.SYST));
            run(&mut link)
        }
        None => 9,
    };
    stack::report_peak();
    debug::exit(if code == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

/// Connects and produces: 0, or the failing stage (1 connect, 2 batch, 3 send).
fn run(link: &mut UartLink) -> u32 {
    #[allow(unused_mut)]
    let mut config = Config::new("kio-mcu", "mcu");
    config.retries = 12;
    #[cfg(feature = "lz4")]
    {
        config.compression = Compression::Lz4;
    }
    let mut rx = [0u8; RX];
    let mut producer: Producer<'_, 4> = Producer::new(config, &mut rx);
    if producer.connect(link).is_err() {
        return 1;
    }
    let mut buf = [0u8; BATCH];
    let mut scratch = [0u8; SCRATCH];
    for b in 0..COUNT / PER_BATCH {
        let Ok(mut w) = producer.batch(&mut buf) else {
            return 2;
        };
        for i in b * PER_BATCH..(b + 1) * PER_BATCH {
            let value = i.to_be_bytes();
            let rec = NewRecord {
                timestamp: BASE_TIMESTAMP + 1000 * i64::from(i),
                key: None,
                value: Some(&value),
                headers: &[],
            };
            if w.append(&rec).is_err() {
                return 2;
            }
        }
        let Ok(n) = producer.finish(w, &mut scratch) else {
            return 2;
        };
        if producer
            .send(link, (b % PARTITIONS) as i32, &mut buf[..n])
            .is_err()
        {
            return 3;
        }
    }
    0
}
