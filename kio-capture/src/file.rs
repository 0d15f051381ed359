//! pcap and pcapng reading: packet records out of a file in memory.

use std::time::Duration;

use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::PcapNgParser;
use pcap_file::{Endianness, PcapError, TsResolution};

use crate::{FileFormat, FormatError, IssueKind, LinkType, Reassembler};

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const PB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;

/// Feeds every packet of `bytes` to `r`; returns the file format.
pub(crate) fn read_capture(bytes: &[u8], r: &mut Reassembler) -> Result<FileFormat, FormatError> {
    match FileFormat::detect(bytes) {
        Some(FileFormat::Pcap) => {
            read_pcap(bytes, r)?;
            Ok(FileFormat::Pcap)
        }
        Some(FileFormat::PcapNg) => {
            read_pcapng(bytes, r)?;
            Ok(FileFormat::PcapNg)
        }
        None => Err(FormatError {
            reason: if bytes.len() < 4 {
                format!("only {} bytes", bytes.len())
            } else {
                format!("unknown magic number {:02x?}", &bytes[..4])
            },
        }),
    }
}

fn header_error(e: PcapError) -> FormatError {
    FormatError {
        reason: match e {
            PcapError::IncompleteBuffer => "file header truncated".to_string(),
            e => e.to_string(),
        },
    }
}

fn read_pcap(bytes: &[u8], r: &mut Reassembler) -> Result<(), FormatError> {
    let (mut rest, parser) = PcapParser::new(bytes).map_err(header_error)?;
    let header = parser.header();
    // The upper 16 bits of the link-type field carry FCS information.
    let link = LinkType::from_number(u32::from(header.datalink) & 0xFFFF);
    let nanos = header.ts_resolution == TsResolution::NanoSecond;
    while !rest.is_empty() {
        let file_offset = bytes.len() - rest.len();
        match parser.next_raw_packet(rest) {
            Ok((next, p)) => {
                let frac = if nanos {
                    u64::from(p.ts_frac)
                } else {
                    u64::from(p.ts_frac) * 1000
                };
                // A fraction of a second that is not below one second is
                // malformed; carry it into the seconds rather than fail.
                let ts = Duration::from_secs(u64::from(p.ts_sec))
                    .checked_add(Duration::from_nanos(frac));
                r.push_packet(link, ts, &p.data);
                rest = next;
            }
            Err(PcapError::IncompleteBuffer) => {
                r.report(None, IssueKind::TruncatedCapture { file_offset });
                break;
            }
            Err(e) => {
                r.report(
                    None,
                    IssueKind::CorruptCapture {
                        file_offset,
                        reason: e.to_string(),
                    },
                );
                break;
            }
        }
    }
    Ok(())
}

/// What a pcapng interface description says that matters here.
#[derive(Clone, Copy)]
struct Interface {
    link: LinkType,
    /// `if_tsresol`: bit 7 clear: 10^-n s units; set: 2^-n s units.
    tsresol: u8,
    /// `if_tsoffset`, seconds.
    tsoffset: i64,
}

fn rd_u32(b: &[u8], at: usize, e: Endianness) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match e {
        Endianness::Big => u32::from_be_bytes(s),
        Endianness::Little => u32::from_le_bytes(s),
    })
}

fn rd_u16(b: &[u8], at: usize, e: Endianness) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(match e {
        Endianness::Big => u16::from_be_bytes(s),
        Endianness::Little => u16::from_le_bytes(s),
    })
}

/// Converts a pcapng timestamp in interface units to time since the epoch.
fn pcapng_time(units: u64, iface: &Interface) -> Option<Duration> {
    let n = u32::from(iface.tsresol & 0x7F);
    let per_sec: u64 = if iface.tsresol & 0x80 == 0 {
        10u64.checked_pow(n)?
    } else {
        2u64.checked_pow(n)?
    };
    let secs = units / per_sec;
    let frac = units % per_sec;
    let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(per_sec)) as u64;
    let base = Duration::from_secs(secs).checked_add(Duration::from_nanos(nanos))?;
    if iface.tsoffset >= 0 {
        base.checked_add(Duration::from_secs(iface.tsoffset.unsigned_abs()))
    } else {
        base.checked_sub(Duration::from_secs(iface.tsoffset.unsigned_abs()))
    }
}

/// Length of the complete block at the start of `rest`, if its length fields
/// are sane and it is all there.
fn whole_block_len(rest: &[u8], e: Endianness) -> Option<usize> {
    let len = rd_u32(rest, 4, e)? as usize;
    if len < 12 || !len.is_multiple_of(4) || len > rest.len() {
        return None;
    }
    (rd_u32(rest, len - 4, e)? as usize == len).then_some(len)
}

fn interface_of(
    idb: &pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock<'_>,
) -> Interface {
    let mut iface = Interface {
        link: LinkType::from_number(u32::from(idb.linktype)),
        tsresol: 6,
        tsoffset: 0,
    };
    for opt in &idb.options {
        match opt {
            InterfaceDescriptionOption::IfTsResol(r) => iface.tsresol = *r,
            // The option is a signed 64-bit number of seconds.
            InterfaceDescriptionOption::IfTsOffset(o) => iface.tsoffset = *o as i64,
            _ => {}
        }
    }
    iface
}

fn read_pcapng(bytes: &[u8], r: &mut Reassembler) -> Result<(), FormatError> {
    let (mut rest, mut parser) = PcapNgParser::new(bytes).map_err(header_error)?;
    // Interfaces of the current section, by id; `None` for one whose block
    // could not be parsed, so later ids stay aligned.
    let mut interfaces: Vec<Option<Interface>> = Vec::new();
    while !rest.is_empty() {
        let file_offset = bytes.len() - rest.len();
        let e = parser.section().endianness;
        let block_type = rd_u32(rest, 0, e);
        let raw = match parser.next_raw_block(rest) {
            Ok((next, raw)) => {
                rest = next;
                raw
            }
            Err(err) => {
                // Skip a complete but unparseable block; a section header we
                // cannot read leaves the byte order unknown, so stop there.
                match whole_block_len(rest, e) {
                    Some(len) if block_type != Some(SHB) => {
                        if block_type == Some(IDB) {
                            interfaces.push(None);
                        }
                        r.report(
                            None,
                            IssueKind::MalformedBlock {
                                file_offset,
                                reason: err.to_string(),
                            },
                        );
                        rest = &rest[len..];
                        continue;
                    }
                    _ => {}
                }
                let kind = match err {
                    PcapError::IncompleteBuffer => IssueKind::TruncatedCapture { file_offset },
                    err => IssueKind::CorruptCapture {
                        file_offset,
                        reason: err.to_string(),
                    },
                };
                r.report(None, kind);
                break;
            }
        };
        let e = parser.section().endianness;
        match raw.type_ {
            SHB => interfaces.clear(),
            // The parser has just parsed and kept it.
            IDB => interfaces.push(parser.interfaces().last().map(interface_of)),
            EPB | PB => {
                let body: &[u8] = &raw.body;
                let fields = if raw.type_ == EPB {
                    rd_u32(body, 0, e)
                } else {
                    rd_u16(body, 0, e).map(u32::from)
                }
                .zip(rd_u32(body, 4, e))
                .zip(rd_u32(body, 8, e))
                .zip(rd_u32(body, 12, e));
                let Some((((id, hi), lo), caplen)) = fields else {
                    r.skip_packet(Some(IssueKind::UnparseablePacket {
                        reason: "packet block shorter than its fixed fields".into(),
                    }));
                    continue;
                };
                let Some(data) = body.get(20..).and_then(|d| d.get(..caplen as usize)) else {
                    r.skip_packet(Some(IssueKind::UnparseablePacket {
                        reason: format!("captured length {caplen} exceeds the packet block"),
                    }));
                    continue;
                };
                match interfaces.get(id as usize).copied().flatten() {
                    Some(iface) => {
                        let units = (u64::from(hi) << 32) | u64::from(lo);
                        r.push_packet(iface.link, pcapng_time(units, &iface), data)
                    }
                    None => r.skip_packet(Some(IssueKind::UnknownInterface { interface_id: id })),
                };
            }
            SPB => {
                let body: &[u8] = &raw.body;
                let Some(orig) = rd_u32(body, 0, e) else {
                    r.skip_packet(Some(IssueKind::UnparseablePacket {
                        reason: "simple packet block shorter than 4 bytes".into(),
                    }));
                    continue;
                };
                // The data is padded to 4 bytes: its real length is the
                // original length, or less when the snap length cut it.
                let data = &body[4..];
                let data = &data[..data.len().min(orig as usize)];
                match interfaces.first().copied().flatten() {
                    Some(iface) => r.push_packet(iface.link, None, data),
                    None => r.skip_packet(Some(IssueKind::UnknownInterface { interface_id: 0 })),
                };
            }
            _ => {}
        }
    }
    Ok(())
}
