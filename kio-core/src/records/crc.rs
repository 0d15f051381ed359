//! Checksums: CRC-32C (Castagnoli) for record batches, CRC-32 (IEEE) for
//! legacy messages and gzip trailers.
//!
//! CRC-32C comes from the `crc32c` crate (SSE 4.2 / ARMv8 CRC instructions
//! with run-time detection; needs a target with `std`) when the `hw-crc32c`
//! feature is on (the portable table stays available through
//! [`crc32c_portable`] and `use_portable_crc32c`), and otherwise from the
//! portable, table-driven `crc` crate,
//! which builds for every `no_std` target (a 16 KiB slice-by-16 table for
//! CRC-32C; a 1 KiB table for the colder CRC-32). The `small-crc32c`
//! feature trades speed for flash on microcontrollers: a 1 KiB table for
//! CRC-32C too.

#[cfg(not(feature = "small-crc32c"))]
static CASTAGNOLI: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

#[cfg(feature = "small-crc32c")]
static CASTAGNOLI: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISCSI);

static IEEE: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32C (Castagnoli) of `data`, as stored in a record batch.
#[cfg(not(feature = "hw-crc32c"))]
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_portable(data)
}

/// CRC-32C (Castagnoli) of `data`, as stored in a record batch.
#[cfg(feature = "hw-crc32c")]
pub fn crc32c(data: &[u8]) -> u32 {
    if PORTABLE.load(core::sync::atomic::Ordering::Relaxed) {
        crc32c_portable(data)
    } else {
        ::crc32c::crc32c(data)
    }
}

/// CRC-32C of `data` from the portable table (what every `no_std` build
/// uses), whatever the features.
pub fn crc32c_portable(data: &[u8]) -> u32 {
    CASTAGNOLI.checksum(data)
}

#[cfg(feature = "hw-crc32c")]
static PORTABLE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// With `hw-crc32c`: makes [`crc32c()`] (so every batch check and every batch
/// written) use the portable table from now on (`true`) or the CPU's
/// instructions again (`false`), for the whole program. For measuring the
/// portable path in the same run and for checking both agree.
#[cfg(feature = "hw-crc32c")]
pub fn use_portable_crc32c(on: bool) {
    PORTABLE.store(on, core::sync::atomic::Ordering::Relaxed);
}

/// CRC-32 (IEEE 802.3, as zlib and gzip) of `data`, as stored in a legacy message.
pub fn crc32_ieee(data: &[u8]) -> u32 {
    IEEE.checksum(data)
}

/// Incremental CRC-32 (IEEE).
#[cfg(feature = "gzip")]
pub(crate) struct Crc32Ieee(crc::Digest<'static, u32, crc::Table<1>>);

#[cfg(feature = "gzip")]
impl Crc32Ieee {
    pub(crate) fn new() -> Self {
        Crc32Ieee(IEEE.digest())
    }
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    pub(crate) fn finish(self) -> u32 {
        self.0.finalize()
    }
}
