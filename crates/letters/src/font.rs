//! The typeface every document is set in: Liberation Sans (metric-compatible with Arial), regular
//! and bold, embedded in the binary so that rendering needs no font on the machine.
//!
//! Text goes through [`Face::clean`] before it is measured or drawn: whatever the font cannot
//! show becomes `?` (or a close equivalent), so no input can make a glyph go missing.

use krilla::text::GlyphId;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::LetterError;

const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

/// Regular or bold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One face of the typeface: what krilla embeds, and what we measure with.
pub(crate) struct Face {
    pub(crate) pdf_font: krilla::text::Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

/// The two faces a document uses.
pub(crate) struct Faces {
    regular: Face,
    bold: Face,
}

impl Faces {
    /// Reads the embedded fonts. They are part of the binary, so this fails only if the font
    /// files in the repository were damaged.
    pub(crate) fn load() -> Result<Self, LetterError> {
        Ok(Self {
            regular: Face::new(REGULAR, "LiberationSans-Regular")?,
            bold: Face::new(BOLD, "LiberationSans-Bold")?,
        })
    }

    pub(crate) fn get(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

impl Face {
    fn new(data: &'static [u8], name: &str) -> Result<Self, LetterError> {
        let font_ref = FontRef::new(data).map_err(|e| LetterError::Font(format!("{name}: {e}")))?;
        let units_per_em = f32::from(
            font_ref
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let pdf_font = krilla::text::Font::new(data.into(), 0)
            .ok_or_else(|| LetterError::Font(format!("{name}: krilla could not read it")))?;
        if units_per_em <= 0.0 {
            return Err(LetterError::Font(format!("{name}: no units per em")));
        }
        Ok(Self {
            pdf_font,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// The glyph for a character, if the font has one.
    fn glyph(&self, c: char) -> Option<skrifa::GlyphId> {
        self.charmap.map(c).filter(|g| g.to_u32() != 0)
    }

    /// The glyph and its advance as a fraction of the font size (1.0 = one em), for a character
    /// that [`Face::clean`] has let through. Anything else gets the glyph for `?`.
    pub(crate) fn glyph_and_advance(&self, c: char) -> (GlyphId, f32) {
        let glyph = self
            .glyph(c)
            .or_else(|| self.glyph('?'))
            .unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = self.metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
        (GlyphId::new(glyph.to_u32()), advance)
    }

    /// The width of `text` in points at `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.glyph_and_advance(c).1)
            .sum::<f32>()
            * size
    }

    /// The text as this font can show it, one line per `\n`:
    ///
    /// - tabs become spaces, `\r\n`, `\r` and the Unicode line and paragraph separators become `\n`;
    /// - other control characters, and invisible joiners and selectors (as in emoji sequences),
    ///   are dropped;
    /// - a character the font lacks becomes a close equivalent if there is one (a non-breaking
    ///   hyphen becomes `-`), otherwise `?`.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => {
                    if chars.peek() != Some(&'\n') {
                        out.push('\n');
                    }
                }
                '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
                '\t' => out.push(' '),
                c if c.is_control() || is_invisible(c) => {}
                c if self.glyph(c).is_some() => out.push(c),
                c => match equivalent(c).filter(|e| self.glyph(*e).is_some()) {
                    Some(e) => out.push(e),
                    None => out.push('?'),
                },
            }
        }
        out
    }
}

/// Characters with no appearance of their own, which we drop rather than show as `?`: zero-width
/// spaces and joiners, the byte-order mark, variation selectors and emoji skin-tone modifiers
/// (so that one emoji becomes one `?`, not three).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' // soft hyphen: we do not hyphenate
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0100}'..='\u{E01EF}'
        | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

/// A character the font is likely to have that reads the same as `c`.
fn equivalent(c: char) -> Option<char> {
    Some(match c {
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => '-',
        '\u{2007}' | '\u{202F}' => '\u{00A0}',
        '\u{2000}'..='\u{200A}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{2032}' => '\'',
        '\u{2033}' => '"',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_keeps_what_the_font_has_and_replaces_the_rest() -> Result<(), LetterError> {
        let faces = Faces::load()?;
        let face = faces.get(Weight::Regular);
        let rows = [
            // (input, as drawn)
            (
                "Zoë O’Connor-Smith – £5 “ok” …",
                "Zoë O’Connor-Smith – £5 “ok” …",
            ),
            ("a\tb\r\nc\rd", "a b\nc\nd"),
            ("日本", "??"),
            ("👍🏽 and 👨\u{200d}👩\u{200d}👧", "? and ???"),
            ("\u{0}\u{7}bell\u{feff}\u{ad}", "bell"),
            ("a\u{3000}b", "a b"), // ideographic space: not in the font, but a space is
        ];
        for (input, drawn) in rows {
            assert_eq!(face.clean(input), drawn, "{input:?}");
        }
        Ok(())
    }

    #[test]
    fn every_cleaned_character_has_a_real_glyph() -> Result<(), LetterError> {
        let faces = Faces::load()?;
        for weight in [Weight::Regular, Weight::Bold] {
            let face = faces.get(weight);
            let cleaned = face.clean("Zoë 😀 日本 \u{10FFFF} ½ € ł Ω я");
            for c in cleaned.chars().filter(|c| *c != '\n') {
                assert!(face.glyph(c).is_some(), "{c:?} has no glyph");
            }
        }
        Ok(())
    }
}
