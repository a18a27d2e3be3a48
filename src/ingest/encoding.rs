//! Text encodings of input files, decoded one field at a time.
//!
//! Fields are decoded separately (not the whole stream) so that one bad byte costs one row, and
//! so the error can point at the exact byte in the file. The structural bytes of CSV and JSON
//! Lines (`"`, `,`, tab, CR, LF) never occur inside a multi-byte sequence of any encoding here
//! (GB18030 trail bytes are 0x30-0x39 and 0x40-0xFE), so splitting before decoding is safe.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The encodings the corpora we label actually come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    #[serde(rename = "windows-1252", alias = "cp1252")]
    Windows1252,
    /// True ISO-8859-1 (byte N is U+00NN). Not encoding_rs's "latin1" label, which means
    /// windows-1252 and differs on 0x80-0x9F; the mojibake corpora need the byte-exact mapping.
    #[serde(rename = "latin-1", alias = "latin1", alias = "iso-8859-1")]
    Latin1,
    /// GB18030 is a superset of GBK, so "gbk" files decode with it.
    #[serde(rename = "gb18030", alias = "gbk")]
    Gb18030,
}

/// Returned by `Encoding::from_str`; lists what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding '{0}' (expected one of: utf-8, windows-1252, latin-1, gb18030)")]
pub struct UnknownEncoding(pub String);

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Latin1 => "latin-1",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encoding {
    type Err = UnknownEncoding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" => Ok(Encoding::Windows1252),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(Encoding::Latin1),
            "gb18030" | "gbk" => Ok(Encoding::Gb18030),
            _ => Err(UnknownEncoding(s.to_string())),
        }
    }
}

/// Decodes `bytes`; on a malformed sequence returns the index of its first byte, unless
/// `lossy`, in which case it is replaced by U+FFFD and `replaced` is incremented.
pub(crate) fn decode(
    enc: Encoding,
    bytes: &[u8],
    lossy: bool,
    replaced: &mut u64,
) -> Result<String, usize> {
    match enc {
        Encoding::Utf8 => decode_utf8(bytes, lossy, replaced),
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        // Every byte has a mapping in the WHATWG table (0x81 etc. become C1 controls), so
        // windows-1252 never fails; that matches what browsers did with the scraped pages.
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()),
        Encoding::Gb18030 => decode_rs(encoding_rs::GB18030, bytes, lossy, replaced),
    }
}

fn decode_utf8(bytes: &[u8], lossy: bool, replaced: &mut u64) -> Result<String, usize> {
    let mut rest = bytes;
    let mut out = String::new();
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                if out.is_empty() {
                    return Ok(s.to_string());
                }
                out.push_str(s);
                return Ok(out);
            }
            Err(e) => {
                let good = e.valid_up_to();
                if !lossy {
                    return Err(bytes.len() - rest.len() + good);
                }
                if out.capacity() == 0 {
                    out.reserve(bytes.len() + 2);
                }
                // SAFETY-free: `good` bytes were just validated by from_utf8.
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                out.push('\u{FFFD}');
                *replaced += 1;
                let bad = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + bad..];
            }
        }
    }
}

fn decode_rs(
    enc: &'static encoding_rs::Encoding,
    bytes: &[u8],
    lossy: bool,
    replaced: &mut u64,
) -> Result<String, usize> {
    if bytes.is_ascii() {
        return Ok(String::from_utf8(bytes.to_vec()).unwrap_or_default());
    }
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        dec.max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len().saturating_mul(3)),
    );
    let mut pos = 0usize;
    loop {
        let (res, read) = dec.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match res {
            encoding_rs::DecoderResult::InputEmpty => return Ok(out),
            encoding_rs::DecoderResult::OutputFull => {
                let more = dec
                    .max_utf8_buffer_length_without_replacement(bytes.len() - pos)
                    .unwrap_or(bytes.len())
                    .max(8);
                out.reserve(more);
            }
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                let at = pos - extra as usize - bad as usize;
                if !lossy {
                    return Err(at);
                }
                out.reserve(4);
                out.push('\u{FFFD}');
                *replaced += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in [
            Encoding::Utf8,
            Encoding::Windows1252,
            Encoding::Latin1,
            Encoding::Gb18030,
        ] {
            assert_eq!(e.to_string().parse::<Encoding>().unwrap(), e);
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(serde_json::from_str::<Encoding>(&json).unwrap(), e);
        }
        assert_eq!("CP1252".parse::<Encoding>().unwrap(), Encoding::Windows1252);
        assert_eq!("gbk".parse::<Encoding>().unwrap(), Encoding::Gb18030);
        assert_eq!("ISO-8859-1".parse::<Encoding>().unwrap(), Encoding::Latin1);
        assert_eq!("utf8".parse::<Encoding>().unwrap(), Encoding::Utf8);
        assert!("ebcdic"
            .parse::<Encoding>()
            .unwrap_err()
            .to_string()
            .contains("ebcdic"));
    }

    #[test]
    fn latin1_is_not_windows_1252() {
        let mut n = 0;
        assert_eq!(
            decode(Encoding::Latin1, b"\x93x\x94", false, &mut n).unwrap(),
            "\u{93}x\u{94}"
        );
        assert_eq!(
            decode(Encoding::Windows1252, b"\x93x\x94", false, &mut n).unwrap(),
            "\u{201C}x\u{201D}"
        );
    }

    #[test]
    fn utf8_errors_point_at_the_bad_byte_and_lossy_counts() {
        let mut n = 0;
        assert_eq!(decode(Encoding::Utf8, b"ab\xffcd", false, &mut n), Err(2));
        assert_eq!(
            decode(Encoding::Utf8, "é\u{e9}".as_bytes(), false, &mut n).unwrap(),
            "éé"
        );
        assert_eq!(
            decode(Encoding::Utf8, b"a\xffb\xe2\x82", true, &mut n).unwrap(),
            "a\u{FFFD}b\u{FFFD}"
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn gb18030_errors_point_at_the_bad_byte() {
        let (enc, _, _) = encoding_rs::GB18030.encode("中文字");
        let mut bytes = b"ok ".to_vec();
        bytes.extend_from_slice(&enc);
        let mut n = 0;
        assert_eq!(
            decode(Encoding::Gb18030, &bytes, false, &mut n).unwrap(),
            "ok 中文字"
        );
        // 0x81 followed by a byte that cannot be a trail byte.
        bytes.extend_from_slice(b"\x81\x20z");
        assert_eq!(decode(Encoding::Gb18030, &bytes, false, &mut n), Err(9));
        let s = decode(Encoding::Gb18030, &bytes, true, &mut n).unwrap();
        assert_eq!(s, "ok 中文字\u{FFFD} z");
        assert_eq!(n, 1);
    }
}
