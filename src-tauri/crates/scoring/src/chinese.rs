//! Chinese text: Traditional → Simplified characters (Whisper sometimes writes Traditional).

pub fn to_simplified(text: &str) -> String {
    fast2s::convert(text)
}
