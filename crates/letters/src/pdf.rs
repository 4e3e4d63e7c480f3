//! Writes laid-out pages as a tagged PDF with krilla.
//!
//! Every line of text is a marked span in the structure tree under its heading or paragraph, so
//! a screen reader reads the document in order and announces the headings; the running header
//! and footer are marked as artifacts, which it skips. krilla checks the result against PDF/UA-1
//! (accessible PDF) before it hands it back.

use std::num::NonZeroU16;

use chrono::{Datelike, NaiveDate};
use krilla::color::rgb;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, Tag, TagGroup, TagKind, TagTree,
};
use krilla::text::KrillaGlyph;
use krilla::{Document, SerializeSettings};

use crate::LetterError;
use crate::font::{Face, Faces, Weight};
use crate::layout::{self, Block, Line, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, Role};

/// What the PDF says about itself, and what goes in the running header and footer.
pub(crate) struct DocumentInfo {
    /// The document title, shown by PDF readers in place of the file name.
    pub(crate) title: String,
    /// Who wrote it: the local authority.
    pub(crate) author: String,
    /// The date on the document, used as its creation date so the same input gives the same
    /// file.
    pub(crate) date: NaiveDate,
    /// Left of the footer on every page, before "Page n of N".
    pub(crate) footer: String,
    /// Right of the header on every page (as "DRAFT" on a draft plan), if any.
    pub(crate) header: Option<String>,
}

/// GOV.UK text colour.
fn black() -> rgb::Color {
    rgb::Color::new(0x0b, 0x0c, 0x0c)
}

/// GOV.UK secondary text colour, for the header and footer.
fn grey() -> rgb::Color {
    rgb::Color::new(0x50, 0x5a, 0x5f)
}
const FOOTER_SIZE: f32 = 9.0;

/// Lays out and writes the blocks as a PDF.
pub(crate) fn render(blocks: &[Block], info: &DocumentInfo) -> Result<Vec<u8>, LetterError> {
    let faces = Faces::load()?;
    let pages = layout::lay_out(blocks, &faces);

    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| LetterError::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);

    // One structure element per block, filled with the spans of its lines as they are drawn.
    let mut groups: Vec<TagGroup> = blocks.iter().map(tag_group).collect();
    let mut outline = Outline::new();
    let total = pages.len();

    let mut previous_block = None;
    for (page_index, page) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| LetterError::Pdf("A4 is not a page size".into()))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        for line in &page.lines {
            if let Some(group) = groups.get_mut(line.block) {
                group.push(draw_line(&mut surface, &faces, line));
            }
            let starts_block = previous_block != Some(line.block);
            previous_block = Some(line.block);
            // Headings of level 1 and 2 are the bookmarks (PDF/UA-1 wants an outline).
            if starts_block
                && let Some(Block {
                    role: Role::Heading(1 | 2),
                    text,
                    ..
                }) = blocks.get(line.block)
            {
                let top = Point::from_xy(0.0, line.baseline - line.size * 1.2);
                outline.push_child(OutlineNode::new(
                    single_line(text),
                    XyzDestination::new(page_index, top),
                ));
            }
        }
        draw_running_text(&mut surface, &faces, info, page_index, total);
        surface.finish();
        pdf_page.finish();
    }

    let mut tree = TagTree::new();
    for group in groups {
        // A group with no lines (a block of empty text) must not be in the tree.
        if !group.children.is_empty() {
            tree.push(group);
        }
    }
    document.set_tag_tree(tree);
    document.set_outline(outline);
    document.set_metadata(
        Metadata::new()
            .title(single_line(&info.title))
            .language("en-GB".into())
            .authors(vec![single_line(&info.author)])
            .creator("Waymark".into())
            .creation_date(pdf_date(info.date)),
    );
    document
        .finish()
        .map_err(|e| LetterError::Pdf(format!("{e:?}")))
}

fn tag_group(block: &Block) -> TagGroup {
    let kind: TagKind = match block.role {
        Role::Heading(level) => {
            let level = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
            Tag::Hn(level, Some(single_line(&block.text))).into()
        }
        Role::Paragraph => Tag::P.into(),
    };
    TagGroup::new(kind)
}

/// Draws one line of body text as a marked span and returns its identifier for the structure
/// tree.
fn draw_line(surface: &mut Surface<'_>, faces: &Faces, line: &Line) -> Identifier {
    let face = faces.get(line.weight);
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
    draw_text(
        surface,
        face,
        &line.text,
        line.x,
        line.baseline,
        line.size,
        black(),
    );
    surface.end_tagged();
    id
}

/// Places the glyphs of already-cleaned text one after the other from (x, baseline).
fn draw_text(
    surface: &mut Surface<'_>,
    face: &Face,
    text: &str,
    x: f32,
    baseline: f32,
    size: f32,
    colour: rgb::Color,
) {
    if text.is_empty() {
        return;
    }
    let glyphs: Vec<KrillaGlyph> = text
        .char_indices()
        .map(|(i, c)| {
            let (glyph, advance) = face.glyph_and_advance(c);
            KrillaGlyph::new(glyph, advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
        })
        .collect();
    surface.set_fill(Some(Fill {
        paint: colour.into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }));
    surface.draw_glyphs(
        Point::from_xy(x, baseline),
        &glyphs,
        face.pdf_font.clone(),
        text,
        size,
        false,
    );
}

/// The header (if any) and the footer: a rule, the footer text and "Page n of N", all marked as
/// artifacts because they repeat on every page.
fn draw_running_text(
    surface: &mut Surface<'_>,
    faces: &Faces,
    info: &DocumentInfo,
    page_index: usize,
    total: usize,
) {
    let regular = faces.get(Weight::Regular);
    let bold = faces.get(Weight::Bold);
    let footer_baseline = PAGE_HEIGHT - 36.0;

    if let Some(header) = &info.header {
        let header = bold.clean(&single_line(header));
        let width = bold.width(&header, 10.0);
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Header,
        )));
        draw_text(
            surface,
            bold,
            &header,
            PAGE_WIDTH - MARGIN_X - width,
            34.0,
            10.0,
            grey(),
        );
        surface.end_tagged();
    }

    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Footer,
    )));
    let mut rule = PathBuilder::new();
    rule.move_to(MARGIN_X, footer_baseline - 14.0);
    rule.line_to(PAGE_WIDTH - MARGIN_X, footer_baseline - 14.0);
    if let Some(path) = rule.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: grey().into(),
            width: 0.5,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
    let numbers = format!("Page {} of {}", page_index + 1, total);
    let number_width = regular.width(&numbers, FOOTER_SIZE);
    let footer = regular.clean(&single_line(&info.footer));
    // Leave the page numbers room: a very long footer is cut short.
    let room = layout::MEASURE - number_width - 12.0;
    let footer = fit(regular, &footer, FOOTER_SIZE, room);
    draw_text(
        surface,
        regular,
        &footer,
        MARGIN_X,
        footer_baseline,
        FOOTER_SIZE,
        grey(),
    );
    draw_text(
        surface,
        regular,
        &numbers,
        PAGE_WIDTH - MARGIN_X - number_width,
        footer_baseline,
        FOOTER_SIZE,
        grey(),
    );
    surface.end_tagged();
}

/// `text` cut to fit `room` points, ending in "..." if it was cut.
fn fit(face: &Face, text: &str, size: f32, room: f32) -> String {
    if face.width(text, size) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if face.width(&out, size) + face.width("...", size) > room {
            out.pop();
            break;
        }
    }
    out.push_str("...");
    out
}

/// Text for a place that holds one line (title, bookmark, header).
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_date(date: NaiveDate) -> DateTime {
    let year = u16::try_from(date.year().clamp(0, 9999)).unwrap_or(2000);
    // chrono keeps month 1–12 and day 1–31, so these conversions cannot fail.
    DateTime::new(year)
        .month(u8::try_from(date.month()).unwrap_or(1))
        .day(u8::try_from(date.day()).unwrap_or(1))
}
