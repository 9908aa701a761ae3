//! Chinese text: Traditional → Simplified characters (Whisper sometimes writes Traditional), and
//! the sound of characters, so that rubric matching forgives a recogniser that wrote the wrong
//! character for the right syllable (安复 for 安抚, 亲絮 for 情绪).

use pinyin::ToPinyin;

pub fn to_simplified(text: &str) -> String {
    fast2s::convert(text)
}

/// The toneless pinyin of `c`, normalised for the distinctions recognisers and many southern
/// accents blur: zh/ch/sh → z/c/s and -ng → -n. Non-Chinese characters are returned as they are.
pub fn sound(c: char) -> String {
    let Some(pinyin) = c.to_pinyin() else { return c.to_lowercase().collect() };
    let plain = pinyin.plain();
    let mut s = plain.replacen("zh", "z", 1).replacen("ch", "c", 1).replacen("sh", "s", 1);
    if s.ends_with("ng") {
        s.pop();
    }
    s
}

/// `1 - alignment cost / len(a)` over syllables, where `a` is the phrase looked for and `b` the
/// stretch of transcript: a character that sounds the same costs nothing, one that shares the
/// initial or the final costs half, a syllable of `a` missing from `b` costs 1, and an extra
/// syllable in `b` (安抚*他的*情绪 for 安抚情绪) costs 0.3.
pub fn sound_similarity(a: &[String], b: &[String]) -> f32 {
    let cost = |x: &str, y: &str| -> f32 {
        if x == y {
            return 0.0;
        }
        let split = |s: &str| -> (String, String) {
            let i = s.find(|c: char| "aeiouv".contains(c)).unwrap_or(s.len());
            (s[..i].to_owned(), s[i..].to_owned())
        };
        let ((xi, xf), (yi, yf)) = (split(x), split(y));
        if xi == yi || xf == yf { 0.5 } else { 1.0 }
    };
    const INSERTION: f32 = 0.3;
    let mut row: Vec<f32> = (0..=b.len()).map(|j| j as f32 * INSERTION).collect();
    for (i, x) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i as f32 + 1.0;
        for (j, y) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + cost(x, y)).min(row[j] + INSERTION).min(cur + 1.0);
            prev = cur;
        }
    }
    (1.0 - row[b.len()] / a.len().max(1) as f32).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sounds(text: &str) -> Vec<String> {
        text.chars().map(sound).collect()
    }

    #[test]
    fn homophones_match_and_different_words_do_not() {
        assert_eq!(to_simplified("認真傾聽"), "认真倾听");
        assert_eq!(sound('庄'), "zuan");
        assert_eq!(sounds("安抚"), sounds("安复"));
        assert!(sound_similarity(&sounds("安抚情绪"), &sounds("安复亲絮")) >= 0.85);
        assert!(sound_similarity(&sounds("报告上级"), &sounds("抱高善期")) >= 0.6);
        assert!(sound_similarity(&sounds("安抚情绪"), &sounds("安复他的亲絮")) >= 0.7);
        assert!(sound_similarity(&sounds("认真倾听"), &sounds("今天下雨")) < 0.4);
    }
}
