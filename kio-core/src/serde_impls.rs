//! The JSON (serde) forms of the value types. Field names are Kafka's (set by
//! the generated `rename`s); values follow Kafka's `JsonConverter`s: `bytes`
//! and `records` as base64, `uuid` as Kafka's URL-safe base64 (22 characters,
//! as `Uuid.toString()` prints it). Unknown tagged fields are kept under
//! `_unknownTaggedFields`, so JSON → bytes is lossless.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::types::{Array, Bytes, RawTag, RecordsBytes, Str, UnknownTags, Uuid};

impl Serialize for Str<'_> {
    /// Valid UTF-8 as a string; anything else as `{"invalidUtf8": "<base64>"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.to_str() {
            Ok(t) => s.serialize_str(t),
            Err(_) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("invalidUtf8", &STANDARD.encode(self.as_bytes()))?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Str<'_> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'static>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or {\"invalidUtf8\": base64}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str::from(String::from(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = None;
                while let Some(k) = map.next_key::<String>()? {
                    if k != "invalidUtf8" {
                        return Err(de::Error::unknown_field(&k, &["invalidUtf8"]));
                    }
                    let b64: String = map.next_value()?;
                    let bytes = STANDARD.decode(b64.as_bytes()).map_err(de::Error::custom)?;
                    out = Some(Str::from(Bytes::from(bytes)));
                }
                out.ok_or_else(|| de::Error::missing_field("invalidUtf8"))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(self.as_slice()))
    }
}

impl<'de> Deserialize<'de> for Bytes<'_> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map(Bytes::from)
            .map_err(de::Error::custom)
    }
}

impl Serialize for RecordsBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RecordsBytes<'_> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Bytes::deserialize(d).map(RecordsBytes)
    }
}

impl Serialize for Uuid {
    /// Kafka's form: URL-safe base64 without padding.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Uuid {
    /// Kafka's base64 form, or the hyphenated hex form.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = if s.len() == 36 {
            let hex: String = s.chars().filter(|c| *c != '-').collect();
            let mut out = Vec::with_capacity(16);
            for i in (0..hex.len()).step_by(2) {
                let pair = hex
                    .get(i..i + 2)
                    .ok_or_else(|| de::Error::custom("bad uuid"))?;
                out.push(u8::from_str_radix(pair, 16).map_err(de::Error::custom)?);
            }
            out
        } else {
            URL_SAFE_NO_PAD
                .decode(s.as_bytes())
                .map_err(de::Error::custom)?
        };
        let arr: [u8; 16] = bytes
            .try_into()
            .map_err(|_| de::Error::custom("a uuid has 16 bytes"))?;
        Ok(Uuid(arr))
    }
}

impl<'a, T: Wire<'a> + Clone + Serialize> Serialize for Array<'a, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for e in self.iter() {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Array<'_, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(Array::Vec)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTagJson<'a> {
    tag: u32,
    data: Bytes<'a>,
}

impl Serialize for UnknownTags<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for t in self.iter() {
            seq.serialize_element(&RawTagJson {
                tag: t.tag,
                data: t.data,
            })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for UnknownTags<'_> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UnknownTags<'static>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of {tag, data}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v: Vec<RawTag<'static>> = Vec::new();
                while let Some(t) = seq.next_element::<RawTagJson<'static>>()? {
                    v.push(RawTag {
                        tag: t.tag,
                        data: t.data,
                    });
                }
                v.sort_by_key(|t| t.tag);
                Ok(UnknownTags::Vec(v))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The lossless JSON form of `float64` values (the generated types use it
/// through `#[serde(with = "crate::serde_impls::float64")]`).
///
/// Finite values are JSON numbers (`-0.0` included). JSON has no number for
/// the others, so they are strings, as Jackson (Kafka's JSON library) writes
/// them: `"NaN"`, `"Infinity"`, `"-Infinity"`. A NaN whose bits are not the
/// canonical quiet NaN (`0x7ff8000000000000`, what Java's `Double.NaN`
/// encodes to) keeps its bits: `"NaN:0x7ff0000000000001"`. Reading accepts
/// every form written, and numbers of any JSON kind.
pub mod float64 {
    use alloc::format;
    use alloc::string::String;
    use core::fmt;

    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;

    /// The bits of Java's `Double.NaN`.
    pub const CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

    /// The string form of a non-finite value; `None` for a finite one (a JSON number).
    pub fn name_of(x: f64) -> Option<String> {
        if x.is_finite() {
            None
        } else if x.is_nan() {
            match x.to_bits() {
                CANONICAL_NAN => Some(String::from("NaN")),
                bits => Some(format!("NaN:0x{bits:016x}")),
            }
        } else if x > 0.0 {
            Some(String::from("Infinity"))
        } else {
            Some(String::from("-Infinity"))
        }
    }

    /// Parses a string form written by [`name_of`] (also `"+Infinity"`, as
    /// Java's `Double.parseDouble` accepts it).
    pub fn parse(s: &str) -> Option<f64> {
        match s {
            "NaN" => Some(f64::from_bits(CANONICAL_NAN)),
            "Infinity" | "+Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => {
                let hex = s.strip_prefix("NaN:0x")?;
                if hex.len() != 16 {
                    return None;
                }
                let x = f64::from_bits(u64::from_str_radix(hex, 16).ok()?);
                x.is_nan().then_some(x)
            }
        }
    }

    /// Writes a number, or the string form of a non-finite value.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        match name_of(*x) {
            None => s.serialize_f64(*x),
            Some(name) => s.serialize_str(&name),
        }
    }

    /// Reads a number or a string form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or \"NaN\", \"Infinity\", \"-Infinity\" or \"NaN:0x<16 hex digits>\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}
