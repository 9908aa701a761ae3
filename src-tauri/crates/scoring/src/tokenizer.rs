//! Whisper's multilingual vocabulary: byte-level BPE tokens (decoding only — the app never needs
//! to encode text) and the special tokens that steer the decoder.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Result, ScoringError};

/// The special tokens the decoder is driven with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Specials {
    pub end_of_text: u32,
    pub start_of_transcript: u32,
    pub transcribe: u32,
    pub no_timestamps: u32,
    /// `<|0.00|>`; timestamp token `t` stands for `(t - timestamp_begin) × 20 ms`.
    pub timestamp_begin: u32,
    pub english: u32,
    pub chinese: u32,
    /// "No speech" (`<|nocaptions|>` in the multilingual vocabulary, `<|nospeech|>` in later ones).
    pub no_speech: u32,
}

#[derive(Clone, Debug)]
pub struct Tokenizer {
    /// Token id → the bytes it stands for (special tokens are not in here).
    pieces: Vec<Option<Vec<u8>>>,
    pub specials: Specials,
    /// The language tokens (`<|en|>`, `<|zh|>`, …) with their codes.
    pub languages: Vec<(u32, String)>,
}

#[derive(Deserialize)]
struct TokenizerJson {
    model: Model,
    added_tokens: Vec<Added>,
}

#[derive(Deserialize)]
struct Model {
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct Added {
    id: u32,
    content: String,
}

/// GPT-2's mapping from bytes to printable characters, inverted.
fn byte_decoder() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from(b'!')..=u32::from(b'~')).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut chars = printable.clone();
    let mut extra = 0;
    for b in 0..256u32 {
        if !printable.contains(&b) {
            printable.push(b);
            chars.push(256 + extra);
            extra += 1;
        }
    }
    printable.into_iter().zip(chars).filter_map(|(b, c)| Some((char::from_u32(c)?, u8::try_from(b).ok()?))).collect()
}

impl Tokenizer {
    pub fn load(path: &Path) -> Result<Tokenizer> {
        let bytes = std::fs::read(path).map_err(|e| ScoringError::Tokenizer(format!("{}: {e}", path.display())))?;
        Self::parse(&bytes)
    }

    pub fn parse(json: &[u8]) -> Result<Tokenizer> {
        let parsed: TokenizerJson = serde_json::from_slice(json).map_err(|e| ScoringError::Tokenizer(e.to_string()))?;
        let decoder = byte_decoder();
        let size = parsed.model.vocab.values().copied().max().unwrap_or(0) as usize + 1;
        let mut pieces = vec![None; size];
        for (text, id) in parsed.model.vocab {
            let bytes: Option<Vec<u8>> = text.chars().map(|c| decoder.get(&c).copied()).collect();
            let bytes = bytes.ok_or_else(|| ScoringError::Tokenizer(format!("token {id} is not byte-level")))?;
            pieces[id as usize] = Some(bytes);
        }
        let special = |content: &str| -> Result<u32> {
            parsed
                .added_tokens
                .iter()
                .find(|t| t.content == content)
                .map(|t| t.id)
                .ok_or_else(|| ScoringError::Tokenizer(format!("special token {content} missing")))
        };
        let no_timestamps = special("<|notimestamps|>")?;
        let specials = Specials {
            end_of_text: special("<|endoftext|>")?,
            start_of_transcript: special("<|startoftranscript|>")?,
            transcribe: special("<|transcribe|>")?,
            no_timestamps,
            timestamp_begin: no_timestamps + 1,
            english: special("<|en|>")?,
            chinese: special("<|zh|>")?,
            no_speech: special("<|nocaptions|>").or_else(|_| special("<|nospeech|>"))?,
        };
        let languages = parsed
            .added_tokens
            .iter()
            .filter(|t| t.id > specials.start_of_transcript && t.id < specials.transcribe)
            .filter_map(|t| {
                let code = t.content.strip_prefix("<|")?.strip_suffix("|>")?;
                (code.len() <= 3 && code.chars().all(|c| c.is_ascii_lowercase())).then(|| (t.id, code.to_owned()))
            })
            .collect();
        for (id, piece) in pieces.iter_mut().enumerate() {
            if id as u32 >= specials.end_of_text {
                *piece = None;
            }
        }
        Ok(Tokenizer { pieces, specials, languages })
    }

    /// The text of `tokens`, skipping special and timestamp tokens. Invalid UTF-8 (a character
    /// cut between tokens) becomes U+FFFD.
    pub fn decode(&self, tokens: &[u32]) -> String {
        let bytes: Vec<u8> = tokens
            .iter()
            .filter_map(|&t| self.pieces.get(t as usize).and_then(Option::as_ref))
            .flatten()
            .copied()
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Whether `token` is ordinary text (not special, not a timestamp).
    pub fn is_text(&self, token: u32) -> bool {
        token < self.specials.end_of_text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_decoder_covers_every_byte_once() {
        let decoder = byte_decoder();
        assert_eq!(decoder.len(), 256);
        let mut bytes: Vec<u8> = decoder.values().copied().collect();
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), 256);
        assert_eq!(decoder[&'Ġ'], b' ');
        assert_eq!(decoder[&'A'], b'A');
    }

    #[test]
    fn decodes_multibyte_text_split_across_tokens() {
        // "你" is E4 BD A0: two tokens carrying its bytes, then a space-prefixed word.
        let json = r#"{"model":{"vocab":{"ä½":0,"ł":1,"Ġok":2,"!":3}},
            "added_tokens":[{"id":4,"content":"<|endoftext|>"},{"id":5,"content":"<|startoftranscript|>"},
            {"id":6,"content":"<|en|>"},{"id":7,"content":"<|zh|>"},{"id":8,"content":"<|transcribe|>"},
            {"id":9,"content":"<|nocaptions|>"},{"id":10,"content":"<|notimestamps|>"}]}"#;
        let t = Tokenizer::parse(json.as_bytes()).unwrap();
        assert_eq!((t.specials.timestamp_begin, t.specials.no_speech), (11, 9));
        assert!(t.is_text(3) && !t.is_text(4) && !t.is_text(12));
        assert_eq!(t.decode(&[5, 0, 1, 2, 10, 4]), "你 ok");
        assert!(matches!(Tokenizer::parse(b"{}"), Err(ScoringError::Tokenizer(_))));
    }
}
