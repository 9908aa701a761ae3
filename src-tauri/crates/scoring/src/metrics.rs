//! Delivery metrics: shown next to the scores, never folded into them. Speaking time, speech
//! rate, long pauses and filler words — nothing about emotion, expression, tone, confidence or
//! appearance is measured anywhere in this crate.

use interview::Lang;
use interview::stored::RateUnit;
use serde::Serialize;

use crate::vad::SpeechSpan;
use crate::whisper::Segment;

/// A silence between two stretches of speech at least this long is a "long pause".
pub const LONG_PAUSE_MS: u32 = 3_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delivery {
    pub duration_ms: u32,
    pub speaking_ms: u32,
    /// Characters per minute for Chinese, words per minute for English, over speaking time.
    pub speech_rate: f32,
    pub rate_unit: RateUnit,
    pub long_pauses: Vec<SpeechSpan>,
    pub fillers: u32,
}

const FILLERS_ZH: &[&str] = &["嗯", "呃", "额", "那个那个", "就是说"];
const FILLERS_EN: &[&str] = &["um", "uh", "er", "erm", "hmm", "mm"];

pub fn delivery(speech: &[SpeechSpan], segments: &[Segment], language: Lang, duration_ms: u32) -> Delivery {
    let speaking_ms: u32 = speech.iter().map(SpeechSpan::duration_ms).sum();
    let text: String = segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
    let (units, rate_unit, fillers) = match language {
        Lang::ZhCn => {
            let chars = text.chars().filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c)).count();
            let fillers = FILLERS_ZH.iter().map(|f| text.matches(f).count()).sum::<usize>();
            (chars, RateUnit::CharsPerMinute, fillers)
        }
        Lang::En => {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            let fillers = words.iter().filter(|w| FILLERS_EN.contains(&w.as_str())).count();
            (words.len(), RateUnit::WordsPerMinute, fillers)
        }
    };
    let speech_rate = if speaking_ms > 0 { units as f32 * 60_000.0 / speaking_ms as f32 } else { 0.0 };
    let long_pauses = speech
        .windows(2)
        .filter(|w| w[1].start_ms - w[0].end_ms >= LONG_PAUSE_MS)
        .map(|w| SpeechSpan { start_ms: w[0].end_ms, end_ms: w[1].start_ms })
        .collect();
    Delivery { duration_ms, speaking_ms, speech_rate, rate_unit, long_pauses, fillers: fillers as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> Segment {
        Segment { start_ms: 0, end_ms: 1000, text: text.into(), confidence: None }
    }

    #[test]
    fn rate_pauses_and_fillers() {
        let speech = [
            SpeechSpan { start_ms: 0, end_ms: 30_000 },
            SpeechSpan { start_ms: 34_000, end_ms: 64_000 },
            SpeechSpan { start_ms: 65_000, end_ms: 66_000 },
        ];
        let d = delivery(&speech, &[seg("嗯，我会先安抚群众的情绪"), seg("然后呃说明流程")], Lang::ZhCn, 70_000);
        assert_eq!(d.speaking_ms, 61_000);
        assert_eq!(d.long_pauses, [SpeechSpan { start_ms: 30_000, end_ms: 34_000 }]);
        assert_eq!(d.fillers, 2);
        assert!((d.speech_rate - 18.0 * 60.0 / 61.0).abs() < 0.01, "{}", d.speech_rate);
        let e = delivery(&speech[..1], &[seg("Um, I would, uh, listen first.")], Lang::En, 30_000);
        assert_eq!((e.fillers, e.rate_unit), (2, RateUnit::WordsPerMinute));
        assert!((e.speech_rate - 12.0).abs() < 0.01);
        assert_eq!(delivery(&[], &[], Lang::En, 1000).speech_rate, 0.0);
    }
}
