//! A Kafka producer on a Cortex-M4F, no heap: QEMU's mps2-an386 whose
//! UART0 QEMU connects to a broker's TCP port.
//!
//! It negotiates versions, reads the topic's leaders, gets a producer id,
//! then produces 300 records (keys, values, headers, timestamps) in 30
//! batches of 10 over three partitions, with `acks=-1` and idempotence.
//! With `readback` it then fetches every partition and checks each record
//! byte for byte. It reports over semihosting stderr (lines starting
//! `[fw]`), including the stack's high-water mark, and exits with 0 on
//! success. `scripts/test-firmware.sh` runs it against Tansu.
#![no_std]
#![no_main]

use panic_halt as _;

#[cfg(feature = "defmt")]
use defmt_semihosting as _;

mod clock;
mod data;
#[cfg(feature = "readback")]
mod readback;
mod report;
mod stack;
mod uart;
mod vectors;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
#[cfg(feature = "lz4")]
use kio_core::records::Compression;
use kio_core::records::NewRecord;
use kio_producer::{Config, Error, Producer};

use report::Line;
use uart::{Uart, UartLink, UART0};

/// The topic the tests create.
const TOPIC: &str = "mcu";
/// The response buffer: ApiVersions is the largest answer while producing;
/// reading back needs room for a whole batch.
const RX: usize = if cfg!(feature = "readback") {
    2048
} else {
    1024
};
/// One batch of 10 records.
const BATCH: usize = 1536;
/// Where lz4 compresses a batch before it is copied back.
const SCRATCH: usize = if cfg!(feature = "lz4") { 1792 } else { 0 };

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take().unwrap_or_else(|| fail("peripherals", 0));
    // SAFETY: UART0 is this board's and only this code uses it.
    let uart = unsafe { Uart::new(UART0) };
    let mut link = UartLink::new(uart, clock::Clock::new(cp.SYST));
    let code = run(&mut link);
    Line::new("stack-peak ").n(stack::peak() as i64).end();
    Line::new("done ").n(i64::from(code)).end();
    debug::exit(if code == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

fn run(link: &mut UartLink) -> i32 {
    #[allow(unused_mut)]
    let mut config = Config::new("kio-mcu", TOPIC);
    config.retries = 12;
    #[cfg(feature = "lz4")]
    {
        config.compression = Compression::Lz4;
    }
    let mut rx = [0u8; RX];
    let mut producer: Producer<'_, 4> = Producer::new(config, &mut rx);
    let start = link.now_ms();
    if let Err(e) = producer.connect(link) {
        report_error("connect", &e);
        return 1;
    }
    let v = producer.session().versions;
    Line::new("connected produce-v")
        .n(v.produce.into())
        .s(" metadata-v")
        .n(v.metadata.into())
        .s(" init-producer-id-v")
        .n(v.init_producer_id.into())
        .s(" api-versions-v")
        .n(v.api_versions.into())
        .s(" producer-id ")
        .n(producer.session().producer_id)
        .end();

    let mut buf = [0u8; BATCH];
    let mut scratch = [0u8; SCRATCH];
    for b in 0..data::COUNT / data::PER_BATCH {
        let partition = data::partition_of(b * data::PER_BATCH);
        let n = match build(&producer, b, &mut buf, &mut scratch) {
            Ok(n) => n,
            Err(e) => {
                report_error("batch", &e);
                return 2;
            }
        };
        match producer.send(link, partition, &mut buf[..n]) {
            Ok(offset) => Line::new("sent batch ")
                .n(b.into())
                .s(" partition ")
                .n(partition.into())
                .s(" bytes ")
                .n(n as i64)
                .s(" offset ")
                .n(offset)
                .end(),
            Err(e) => {
                report_error("send", &e);
                return 3;
            }
        }
    }
    Line::new("produced ")
        .n(data::COUNT.into())
        .s(" records in ms ")
        .n((link.now_ms() - start) as i64)
        .s(" reconnects ")
        .n(link.reconnects.into())
        .s(" epoch ")
        .n(producer.session().producer_epoch.into())
        .end();

    #[cfg(feature = "readback")]
    if let Err(code) = readback::check(&mut producer, link) {
        return code;
    }
    0
}

/// Builds batch `b` (records `10 b .. 10 b + 10`) into `buf`: its length.
fn build(
    producer: &Producer<'_, 4>,
    b: u32,
    buf: &mut [u8],
    scratch: &mut [u8],
) -> Result<usize, Error> {
    let mut w = producer.batch(buf)?;
    for i in b * data::PER_BATCH..(b + 1) * data::PER_BATCH {
        let rec = data::Rec::new(i);
        let (headers, count) = rec.headers();
        w.append(&NewRecord {
            timestamp: rec.timestamp,
            key: Some(&rec.key),
            value: Some(rec.value()),
            headers: &headers[..count],
        })?;
    }
    producer.finish(w, scratch)
}

/// Reports a producer error (its kind and broker code, no `core::fmt`).
pub fn report_error(what: &str, e: &Error) {
    let (kind, code): (&str, i64) = match e {
        Error::Io(_) => ("io", -1),
        Error::Closed => ("closed", -1),
        Error::Broker { code, .. } => ("broker", (*code).into()),
        Error::Partition { code, .. } => ("partition", (*code).into()),
        Error::RetriesExhausted { last, .. } => match last {
            kio_producer::Failure::Broker(c) => ("retries-exhausted broker", (*c).into()),
            kio_producer::Failure::Io(_) => ("retries-exhausted io", -1),
        },
        Error::FrameTooLarge { size, .. } => ("frame-too-large", *size as i64),
        Error::Decode(d) => ("decode", d.offset as i64),
        Error::Malformed { offset, .. } => ("malformed", *offset as i64),
        Error::Encode(_) => ("encode", -1),
        Error::Records(_) => ("records", -1),
        Error::UnsupportedApi(a) => ("unsupported-api", a.key().into()),
        _ => ("other", -1),
    };
    Line::new("error ")
        .s(what)
        .s(" ")
        .s(kind)
        .s(" ")
        .n(code)
        .end();
}

/// Reports and exits on an impossible start-up failure.
fn fail(what: &str, code: i64) -> ! {
    Line::new("fatal ").s(what).s(" ").n(code).end();
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
