//! Whisper's multilingual vocabulary: byte-level BPE tokens, decoded for every transcript and
//! encoded only for a prompt (a question's text given to the decoder as context), and the special
//! tokens that steer the decoder.

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
    /// `<|startofprev|>`: what follows, up to `<|startoftranscript|>`, is context (a prompt).
    pub start_of_prev: u32,
}

#[derive(Clone, Debug)]
pub struct Tokenizer {
    /// Token id → the bytes it stands for (special tokens are not in here).
    pieces: Vec<Option<Vec<u8>>>,
    /// The byte-level pieces (GPT-2's printable characters) → token id, for encoding.
    vocab: HashMap<String, u32>,
    /// A merge of two pieces → its rank (lower merges first).
    merges: HashMap<(String, String), usize>,
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
    #[serde(default)]
    merges: Vec<String>,
}

#[derive(Deserialize)]
struct Added {
    id: u32,
    content: String,
}

/// GPT-2's mapping from bytes to printable characters.
fn byte_encoder() -> [char; 256] {
    let mut table = ['\0'; 256];
    for (c, b) in byte_decoder() {
        table[usize::from(b)] = c;
    }
    table
}

/// GPT-2's pre-tokenisation (its regex `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
/// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, written out): words, numbers and runs of other symbols,
/// each with at most one leading space.
fn pre_tokenize(text: &str) -> Vec<&str> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Letter,
        Number,
        Space,
        Other,
    }
    let class = |c: char| {
        if c.is_alphabetic() {
            Class::Letter
        } else if c.is_numeric() {
            Class::Number
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        }
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(at, _)| at);
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let (_, c) = chars[i];
        if c == '\'' {
            let rest = &text[chars[i].0 + 1..];
            if let Some(suffix) = ["s", "t", "re", "ve", "m", "ll", "d"].iter().find(|s| rest.starts_with(*s)) {
                i += 1 + suffix.len();
                pieces.push(&text[chars[start].0..end_of(i)]);
                continue;
            }
        }
        let mut j = i;
        if c == ' ' && chars.get(i + 1).is_some_and(|&(_, n)| class(n) != Class::Space) {
            j += 1; // the one leading space goes with what follows
        }
        let kind = class(chars[j].1);
        if kind == Class::Space {
            // A run of spaces: all but the last if a word follows (it takes that one).
            while j < chars.len() && class(chars[j].1) == Class::Space {
                j += 1;
            }
            if j < chars.len() && j - i > 1 && chars[j - 1].1 == ' ' {
                j -= 1;
            }
        } else {
            while j < chars.len() && class(chars[j].1) == kind && !(kind == Class::Other && chars[j].1 == '\'') {
                j += 1;
            }
            if j == i {
                j += 1;
            }
        }
        i = j.max(start + 1);
        pieces.push(&text[chars[start].0..end_of(i)]);
    }
    pieces
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
        let merges = parsed
            .model
            .merges
            .iter()
            .enumerate()
            .filter_map(|(rank, m)| m.split_once(' ').map(|(a, b)| ((a.to_owned(), b.to_owned()), rank)))
            .collect();
        for (text, &id) in &parsed.model.vocab {
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
            start_of_prev: special("<|startofprev|>")?,
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
        Ok(Tokenizer { pieces, vocab: parsed.model.vocab, merges, specials, languages })
    }

    /// The tokens of `text` (byte-level BPE, as Whisper's own tokenizer makes them). Used only
    /// for a prompt; a piece the vocabulary lacks is spelt out byte by byte.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let bytes_to_chars = byte_encoder();
        let mut tokens = Vec::new();
        for word in pre_tokenize(text) {
            let mut parts: Vec<String> = word.bytes().map(|b| bytes_to_chars[usize::from(b)].to_string()).collect();
            // Merge the adjacent pair of lowest rank until none is left to merge.
            loop {
                let best = parts
                    .windows(2)
                    .enumerate()
                    .filter_map(|(i, w)| self.merges.get(&(w[0].clone(), w[1].clone())).map(|&rank| (rank, i)))
                    .min();
                let Some((_, i)) = best else { break };
                let merged = format!("{}{}", parts[i], parts[i + 1]);
                parts.splice(i..i + 2, [merged]);
            }
            for part in parts {
                match self.vocab.get(&part) {
                    Some(&id) => tokens.push(id),
                    None => tokens.extend(part.chars().filter_map(|c| self.vocab.get(&c.to_string()).copied())),
                }
            }
        }
        tokens
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
    fn pre_tokenisation_splits_as_gpt2_does() {
        assert_eq!(pre_tokenize("Hello world's  end!!"), ["Hello", " world", "'s", " ", " end", "!!"]);
        assert_eq!(pre_tokenize(" 市民 2024年"), [" 市民", " 2024", "年"]);
        assert_eq!(pre_tokenize("a\nb"), ["a", "\n", "b"]);
        assert_eq!(pre_tokenize(""), Vec::<&str>::new());
    }

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
            {"id":9,"content":"<|nocaptions|>"},{"id":10,"content":"<|notimestamps|>"},
            {"id":20,"content":"<|startofprev|>"}]}"#;
        let t = Tokenizer::parse(json.as_bytes()).unwrap();
        assert_eq!((t.specials.timestamp_begin, t.specials.no_speech), (11, 9));
        assert!(t.is_text(3) && !t.is_text(4) && !t.is_text(12));
        assert_eq!(t.decode(&[5, 0, 1, 2, 10, 4]), "你 ok");
        assert!(matches!(Tokenizer::parse(b"{}"), Err(ScoringError::Tokenizer(_))));
    }
}
