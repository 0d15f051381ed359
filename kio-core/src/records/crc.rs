//! Checksums: CRC-32C (Castagnoli) for record batches, CRC-32 (IEEE) for
//! legacy messages and gzip trailers.
//!
//! CRC-32C comes from the `crc32c` crate (SSE 4.2 / ARMv8 CRC instructions
//! with run-time detection; needs a target with `std`) when the `hw-crc32c`
//! feature is on, and otherwise from the portable, table-driven `crc` crate,
//! which builds for every `no_std` target (a 16 KiB slice-by-16 table for
//! CRC-32C; a 1 KiB table for the colder CRC-32). The `small-crc32c`
//! feature trades speed for flash on microcontrollers: a 1 KiB table for
//! CRC-32C too.

#[cfg(all(not(feature = "hw-crc32c"), not(feature = "small-crc32c")))]
static CASTAGNOLI: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

#[cfg(all(not(feature = "hw-crc32c"), feature = "small-crc32c"))]
static CASTAGNOLI: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISCSI);

static IEEE: crc::Crc<u32, crc::Table<1>> =
    crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32C (Castagnoli) of `data`, as stored in a record batch.
#[cfg(not(feature = "hw-crc32c"))]
pub fn crc32c(data: &[u8]) -> u32 {
    CASTAGNOLI.checksum(data)
}

/// CRC-32C (Castagnoli) of `data`, as stored in a record batch.
#[cfg(feature = "hw-crc32c")]
pub fn crc32c(data: &[u8]) -> u32 {
    ::crc32c::crc32c(data)
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
