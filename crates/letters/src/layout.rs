//! Page layout: a document is a list of [`Block`]s (headings and paragraphs); [`lay_out`] breaks
//! their text into lines that fit the measure and the lines into A4 pages. It draws nothing, so
//! the renderer knows the page count before it writes "Page 1 of N".
//!
//! Written here because krilla places glyphs but does not break lines, and the crates that do
//! (typst, for one) cost minutes of build time for what is greedy wrapping of plain paragraphs.

use crate::font::{Faces, Weight};

/// A4 in points (1/72 inch).
pub(crate) const PAGE_WIDTH: f32 = 595.28;
/// A4 in points.
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
/// 25 mm left and right.
pub(crate) const MARGIN_X: f32 = 70.87;
/// 20 mm above the first line.
pub(crate) const MARGIN_TOP: f32 = 56.69;
/// Room below the last line for the footer.
pub(crate) const MARGIN_BOTTOM: f32 = 70.87;
/// The width of a full line.
pub(crate) const MEASURE: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

/// What a block is, for the PDF's structure tree (what a screen reader announces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A heading, level 1 to 3.
    Heading(u16),
    /// A paragraph.
    Paragraph,
}

/// A heading or paragraph of text.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub(crate) role: Role,
    /// The text; `\n` starts a new line within the block.
    pub(crate) text: String,
    pub(crate) weight: Weight,
    pub(crate) size: f32,
    /// How far the block's left edge is from the left margin, in points (a letter's
    /// letterhead and reference sit in a column on the right).
    pub(crate) indent: f32,
    /// Space above the block, in points; none at the top of a page.
    pub(crate) space_before: f32,
    /// Start the block on a new page.
    pub(crate) page_break_before: bool,
}

impl Block {
    /// Body text: 12 pt regular, with the space of half a line above.
    pub(crate) fn paragraph(text: impl Into<String>) -> Self {
        Self {
            role: Role::Paragraph,
            text: text.into(),
            weight: Weight::Regular,
            size: BODY_SIZE,
            indent: 0.0,
            space_before: 8.0,
            page_break_before: false,
        }
    }

    /// A heading: level 1 is 20 pt, level 2 is 15 pt, level 3 is 12 pt, all bold.
    pub(crate) fn heading(level: u16, text: impl Into<String>) -> Self {
        let (size, space_before) = match level {
            1 => (20.0, 12.0),
            2 => (15.0, 18.0),
            _ => (BODY_SIZE, 14.0),
        };
        Self {
            role: Role::Heading(level.clamp(1, 3)),
            text: text.into(),
            weight: Weight::Bold,
            size,
            indent: 0.0,
            space_before,
            page_break_before: false,
        }
    }

    /// The same block in bold.
    pub(crate) fn bold(mut self) -> Self {
        self.weight = Weight::Bold;
        self
    }

    /// The same block at another size.
    pub(crate) fn size(mut self, size: f32) -> Self {
        self.size = size;
        self
    }

    /// The same block in a column whose left edge is `points` in from the left margin.
    pub(crate) fn indent(mut self, points: f32) -> Self {
        self.indent = points.clamp(0.0, MEASURE * 0.75);
        self
    }

    /// The same block with other space above it.
    pub(crate) fn space_before(mut self, points: f32) -> Self {
        self.space_before = points;
        self
    }

    /// The same block, starting a new page.
    pub(crate) fn new_page(mut self) -> Self {
        self.page_break_before = true;
        self
    }

    fn line_height(&self) -> f32 {
        self.size * LINE_SPACING
    }
}

/// Body text size in points.
pub(crate) const BODY_SIZE: f32 = 12.0;
/// Line height as a multiple of the font size.
const LINE_SPACING: f32 = 1.4;

/// One line of text placed on a page.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Line {
    /// The index of the block it belongs to.
    pub(crate) block: usize,
    /// The text as drawn. A line broken at a space keeps the space at its end, so that text
    /// copied or read aloud from the PDF has its words apart.
    pub(crate) text: String,
    /// Left end of the baseline, from the top-left corner of the page.
    pub(crate) x: f32,
    pub(crate) baseline: f32,
    pub(crate) weight: Weight,
    pub(crate) size: f32,
}

/// A page's lines, in reading order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Page {
    pub(crate) lines: Vec<Line>,
}

/// Breaks the blocks into lines and pages. Always gives at least one page.
pub(crate) fn lay_out(blocks: &[Block], faces: &Faces) -> Vec<Page> {
    let bottom = PAGE_HEIGHT - MARGIN_BOTTOM;
    let mut pages = vec![Page::default()];
    // The top of the next line box on the current page.
    let mut y = MARGIN_TOP;

    let wrapped: Vec<Vec<Wrapped>> = blocks
        .iter()
        .map(|b| wrap(&faces.get(b.weight).clean(&b.text), b, faces))
        .collect();

    for (index, (block, lines)) in blocks.iter().zip(&wrapped).enumerate() {
        let at_top = |pages: &[Page]| pages.last().is_none_or(|p| p.lines.is_empty());
        if block.page_break_before && !at_top(&pages) {
            pages.push(Page::default());
            y = MARGIN_TOP;
        }
        if !at_top(&pages) {
            y += block.space_before;
        }
        let line_height = block.line_height();
        // Keep a heading with the first two lines of what follows; keep a paragraph's first
        // two lines together, and (below) its last two.
        let mut needed = line_height * lines.len().min(2) as f32;
        if let (Role::Heading(_), Some(next)) = (block.role, blocks.get(index + 1)) {
            needed = line_height * lines.len() as f32
                + next.space_before
                + next.line_height() * wrapped.get(index + 1).map_or(0, |l| l.len().min(2)) as f32;
        }
        if y + needed > bottom && !at_top(&pages) {
            pages.push(Page::default());
            y = MARGIN_TOP;
        }
        for (n, (offset, text)) in lines.iter().enumerate() {
            let last_line_alone_overleaf =
                n >= 2 && n + 2 == lines.len() && y + 2.0 * line_height > bottom;
            if (y + line_height > bottom || last_line_alone_overleaf) && !at_top(&pages) {
                pages.push(Page::default());
                y = MARGIN_TOP;
            }
            let x = MARGIN_X + block.indent + offset;
            // The baseline sits about four fifths of the way down the line box.
            let baseline = y + line_height * 0.78;
            if let Some(page) = pages.last_mut() {
                page.lines.push(Line {
                    block: index,
                    text: text.clone(),
                    x,
                    baseline,
                    weight: block.weight,
                    size: block.size,
                });
            }
            y += line_height;
        }
    }
    pages
}

/// A line of a block before it is placed: its text, and how far it is indented from the
/// block's left edge (the continuation lines of a bulleted item hang under its text).
type Wrapped = (f32, String);

/// Breaks cleaned text into lines no wider than the measure: at spaces where it can, and inside
/// a word only when the word alone is too wide. Each `\n` starts a new line; an empty line stays
/// as an empty line. A line that starts with a bullet ("•", "-", "*" or "–" and a space) wraps
/// with a hanging indent.
fn wrap(text: &str, block: &Block, faces: &Faces) -> Vec<Wrapped> {
    let face = faces.get(block.weight);
    let measure = MEASURE - block.indent;
    let width = |s: &str| face.width(s, block.size);
    let mut lines: Vec<Wrapped> = Vec::new();
    for hard_line in text.split('\n') {
        let hang = bullet(hard_line).map_or(0.0, |b| width(&b).min(measure / 2.0));
        let first = lines.len();
        let room = |lines: &Vec<Wrapped>| {
            if lines.len() > first {
                measure - hang
            } else {
                measure
            }
        };
        let mut line = String::new();
        let words = hard_line.split(' ').filter(|w| !w.is_empty());
        for word in words {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate) <= room(&lines) {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                line.push(' ');
                lines.push((0.0, std::mem::take(&mut line)));
            }
            if width(word) <= room(&lines) {
                line = word.to_owned();
                continue;
            }
            // A word wider than the whole measure is cut wherever the line is full (after at
            // least one character, so that breaking always moves on).
            let mut used = 0.0;
            for c in word.chars() {
                let advance = face.glyph_and_advance(c).1 * block.size;
                if !line.is_empty() && used + advance > room(&lines) {
                    lines.push((0.0, std::mem::take(&mut line)));
                    used = 0.0;
                }
                line.push(c);
                used += advance;
            }
        }
        lines.push((0.0, line));
        for continuation in lines.iter_mut().skip(first + 1) {
            continuation.0 = hang;
        }
    }
    // A paragraph that ends in a newline does not need an empty last line.
    while lines.len() > 1 && lines.last().is_some_and(|l| l.1.is_empty()) {
        lines.pop();
    }
    lines
}

/// The bullet and one space, as drawn, if the line starts with a bullet and a space.
fn bullet(line: &str) -> Option<String> {
    let mut chars = line.chars();
    let first = chars
        .next()
        .filter(|c| matches!(c, '•' | '-' | '*' | '–' | '·'))?;
    (chars.next() == Some(' ')).then(|| format!("{first} "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LetterError;

    fn wrapped(text: &str) -> Result<Vec<Wrapped>, LetterError> {
        let faces = Faces::load()?;
        let block = Block::paragraph(text);
        Ok(wrap(
            &faces.get(Weight::Regular).clean(text),
            &block,
            &faces,
        ))
    }

    fn lines_of(text: &str) -> Result<Vec<String>, LetterError> {
        Ok(wrapped(text)?.into_iter().map(|(_, line)| line).collect())
    }

    #[test]
    fn short_text_is_one_line() -> Result<(), LetterError> {
        assert_eq!(lines_of("We have decided.")?, vec!["We have decided."]);
        Ok(())
    }

    #[test]
    fn long_text_breaks_at_spaces_and_keeps_them() -> Result<(), LetterError> {
        let text = "word ".repeat(60);
        let lines = lines_of(&text)?;
        assert!(lines.len() > 1, "{lines:?}");
        for line in &lines[..lines.len() - 1] {
            assert!(line.ends_with("word "), "{line:?}");
        }
        assert_eq!(lines.concat().trim_end(), text.trim_end());
        Ok(())
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut_and_nothing_is_lost() -> Result<(), LetterError> {
        let word = "x".repeat(500);
        let lines = lines_of(&word)?;
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), word);
        Ok(())
    }

    #[test]
    fn newlines_start_new_lines() -> Result<(), LetterError> {
        assert_eq!(lines_of("one\ntwo\r\nthree")?, vec!["one", "two", "three"]);
        Ok(())
    }

    #[test]
    fn a_bulleted_line_hangs_under_its_text() -> Result<(), LetterError> {
        let lines = wrapped(&format!("• {}\nAfter", "provision ".repeat(30)))?;
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines[0].0, 0.0);
        assert!(lines[1].0 > 3.0, "{lines:?}");
        assert_eq!(
            lines.last().map(|l| l.0),
            Some(0.0),
            "the next line is not indented"
        );
        Ok(())
    }

    #[test]
    fn more_text_makes_more_pages() -> Result<(), LetterError> {
        let faces = Faces::load()?;
        let short = lay_out(&[Block::paragraph("Hello")], &faces);
        let long = lay_out(&[Block::paragraph("Hello there. ".repeat(2000))], &faces);
        assert_eq!(short.len(), 1);
        assert!(long.len() > 3, "{}", long.len());
        for page in &long {
            for line in &page.lines {
                assert!(line.baseline < PAGE_HEIGHT - MARGIN_BOTTOM);
                assert!(line.baseline > MARGIN_TOP);
            }
        }
        Ok(())
    }

    #[test]
    fn the_last_line_of_a_paragraph_is_not_left_alone_overleaf() -> Result<(), LetterError> {
        let faces = Faces::load()?;
        // 37 one-line paragraphs leave room for 5 more lines on the first page; the next
        // paragraph has 6, so it breaks before its fifth line instead of its sixth.
        let mut blocks: Vec<Block> = (0..37)
            .map(|_| Block::paragraph("Filler.").space_before(0.0))
            .collect();
        blocks.push(Block::paragraph("one\ntwo\nthree\nfour\nfive\nsix").space_before(0.0));
        let pages = lay_out(&blocks, &faces);
        let on_page = |n: usize| -> Vec<&str> {
            pages[n]
                .lines
                .iter()
                .filter(|l| l.block == 37)
                .map(|l| l.text.as_str())
                .collect()
        };
        assert_eq!(on_page(0), vec!["one", "two", "three", "four"]);
        assert_eq!(on_page(1), vec!["five", "six"]);
        Ok(())
    }

    #[test]
    fn a_heading_is_not_left_alone_at_the_foot_of_a_page() -> Result<(), LetterError> {
        let faces = Faces::load()?;
        // Fill most of the first page, then a heading and its paragraph.
        let mut blocks: Vec<Block> = (0..36)
            .map(|_| Block::paragraph("Filler.").space_before(0.0))
            .collect();
        blocks.push(Block::heading(2, "Section B"));
        blocks.push(Block::paragraph("The needs. ".repeat(30)));
        let pages = lay_out(&blocks, &faces);
        let heading = blocks.len() - 2;
        let page_of = |block: usize| {
            pages
                .iter()
                .position(|p| p.lines.iter().any(|l| l.block == block))
        };
        assert_eq!(page_of(heading), page_of(heading + 1));
        Ok(())
    }
}
