//! Lessons and quiz text on a terminal. A nurse on a phone-width terminal should read a lesson,
//! not its source: the lesson Markdown subset the content check allows (`#`/`##`/`###`
//! headings, paragraphs, `**bold**`, `*italic*`, `-` and `1.` lists, `>` quotes) is rendered
//! as text wrapped at word boundaries to the terminal's width, with no raw `##` or `**` left.
//! Bold is shown as bold only on a terminal (and never with `NO_COLOR` set).

use std::io::IsTerminal;

/// Width when neither `COLUMNS` nor the terminal says.
pub const DEFAULT_WIDTH: usize = 80;
/// Narrower than this, wrapping would only make things worse.
const MIN_WIDTH: usize = 20;

/// How text is laid out: the width to wrap at and whether bold may use ANSI escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Columns to wrap at.
    pub width: usize,
    /// Whether `**bold**` is shown with ANSI bold.
    pub ansi: bool,
}

impl Layout {
    /// Plain text at `width` columns.
    #[cfg(test)]
    pub fn plain(width: usize) -> Self {
        Self {
            width: width.max(MIN_WIDTH),
            ansi: false,
        }
    }

    /// For standard output: `COLUMNS` if set, else the terminal's width, else 80; bold only
    /// on a terminal without `NO_COLOR`.
    pub fn stdout() -> Self {
        let from_env = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c > 0);
        let from_terminal =
            || terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w));
        let width = from_env.or_else(from_terminal).unwrap_or(DEFAULT_WIDTH);
        let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self {
            width: width.max(MIN_WIDTH),
            ansi,
        }
    }

    /// `text` (inline Markdown allowed) wrapped with `first` before the first line and
    /// `rest` before the others.
    pub fn wrap(&self, text: &str, first: &str, rest: &str) -> String {
        let styled = inline(text, self.ansi);
        let options = textwrap::Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .break_words(false);
        textwrap::wrap(&styled, options).join("\n")
    }

    /// A lesson (Markdown) as terminal text.
    pub fn markdown(&self, md: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut previous: Option<Kind> = None;
        for block in blocks(md) {
            // Items of one list stay together; every other block is set apart by a blank line.
            let together = matches!(
                (previous, block.kind),
                (Some(Kind::Bullet), Kind::Bullet) | (Some(Kind::Numbered(_)), Kind::Numbered(_))
            );
            if previous.is_some() && !together {
                out.push(String::new());
            }
            previous = Some(block.kind);
            match block.kind {
                Kind::Heading(level) => {
                    let text = self.wrap(&block.text, "", "");
                    let longest = text
                        .lines()
                        .map(textwrap::core::display_width)
                        .max()
                        .unwrap_or(0);
                    out.push(text);
                    match level {
                        1 => out.push("=".repeat(longest)),
                        2 => out.push("-".repeat(longest)),
                        _ => {}
                    }
                }
                Kind::Paragraph => out.push(self.wrap(&block.text, "", "")),
                Kind::Quote => out.push(self.wrap(&block.text, "  | ", "  | ")),
                Kind::Bullet => out.push(self.wrap(&block.text, "  • ", "    ")),
                Kind::Numbered(n) => {
                    let marker = format!("  {n}. ");
                    let hang = " ".repeat(marker.chars().count());
                    out.push(self.wrap(&block.text, &marker, &hang));
                }
            }
        }
        out.join("\n")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading(usize),
    Paragraph,
    Quote,
    Bullet,
    Numbered(u32),
}

#[derive(Debug)]
struct Block {
    kind: Kind,
    text: String,
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    let rest = &line[level..];
    (1..=6)
        .contains(&level)
        .then_some(())
        .and_then(|()| rest.strip_prefix(' '))
        .map(|text| (level, text.trim()))
}

fn bullet(line: &str) -> Option<&str> {
    ["- ", "* ", "+ "]
        .iter()
        .find_map(|m| line.strip_prefix(m))
        .map(str::trim)
}

fn numbered(line: &str) -> Option<(u32, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let n = line[..digits].parse().ok()?;
    line[digits..]
        .strip_prefix(". ")
        .map(|text| (n, text.trim()))
}

/// Splits Markdown into blocks; a line indented under a list item continues it.
fn blocks(md: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut open = false; // whether the last block takes continuation lines
    for raw in md.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            open = false;
            continue;
        }
        let indented = line.len() > trimmed.len();
        let (kind, text) = if let Some((level, text)) = heading(trimmed) {
            (Kind::Heading(level), text)
        } else if let Some(text) = bullet(trimmed).filter(|_| !indented || !open) {
            (Kind::Bullet, text)
        } else if let Some((n, text)) = numbered(trimmed).filter(|_| !indented || !open) {
            (Kind::Numbered(n), text)
        } else if let Some(text) = trimmed.strip_prefix('>') {
            match out.last_mut() {
                Some(last) if open && last.kind == Kind::Quote => {
                    last.text.push(' ');
                    last.text.push_str(text.trim());
                    continue;
                }
                _ => (Kind::Quote, text.trim()),
            }
        } else {
            match out.last_mut() {
                Some(last) if open => {
                    last.text.push(' ');
                    last.text.push_str(trimmed);
                    continue;
                }
                _ => (Kind::Paragraph, trimmed),
            }
        };
        open = !matches!(kind, Kind::Heading(_));
        out.push(Block {
            kind,
            text: text.to_owned(),
        });
    }
    out
}

/// Inline Markdown: `**bold**` becomes bold (each word on its own, so wrapping never leaves a
/// style open across lines) or plain; `*italic*`, `_italic_` and `` `code` `` lose their marks.
fn inline(text: &str, ansi: bool) -> String {
    // First the visible characters with their boldness, then the escapes around bold runs.
    let chars: Vec<char> = text.chars().collect();
    let mut visible: Vec<(char, bool)> = Vec::with_capacity(chars.len());
    let mut bold = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        if c == '*' && next == Some('*') {
            bold = !bold;
            i += 2;
            continue;
        }
        // A lone `*` or `_` against a word is emphasis; elsewhere (`2 * 3`, `snake_case`) text.
        let opens = next.is_some_and(|n| !n.is_whitespace()) && prev.is_none_or(is_outside);
        let closes = prev.is_some_and(|p| !p.is_whitespace()) && next.is_none_or(is_outside);
        let emphasis = (c == '*' || c == '_') && (opens || closes);
        if !emphasis && c != '`' {
            visible.push((c, bold));
        }
        i += 1;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_run = false;
    for (c, b) in visible {
        let styled = ansi && b && !c.is_whitespace();
        if styled && !in_run {
            out.push_str("\x1b[1m");
        } else if !styled && in_run {
            out.push_str("\x1b[0m");
        }
        in_run = styled;
        out.push(c);
    }
    if in_run {
        out.push_str("\x1b[0m");
    }
    out
}

fn is_outside(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || "“”‘’—–".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = "# Locking your screen\n\nA locked screen keeps **patient details** private.\n\n## What to do\n\n- Use a **six-digit** PIN\n  or longer.\n- Lock it *every* time.\n\n1. Open Settings.\n2. Tap Security.\n\n> Tip: press the power button.\n";

    #[test]
    fn markdown_marks_are_rendered_not_shown() {
        let text = Layout::plain(80).markdown(LESSON);
        assert!(!text.contains('#'), "{text}");
        assert!(!text.contains("**"), "{text}");
        assert!(!text.contains("*every*"), "{text}");
        assert!(
            text.starts_with("Locking your screen\n===================\n"),
            "{text}"
        );
        assert!(text.contains("What to do\n----------"), "{text}");
        assert!(
            text.contains("  • Use a six-digit PIN or longer.\n  • Lock it every time."),
            "{text}"
        );
        assert!(
            text.contains("  1. Open Settings.\n  2. Tap Security."),
            "{text}"
        );
        assert!(text.contains("  | Tip: press the power button."), "{text}");
    }

    #[test]
    fn lines_wrap_at_word_boundaries_within_the_width() {
        let md = "A paragraph with quite a few words in it, long enough to wrap several times at a narrow width, including hyphenated words like re-enter and well-known.\n\n- A list item that is also long enough to wrap onto a second and third line.";
        let text = Layout::plain(24).markdown(md);
        let words: Vec<&str> = md.split_whitespace().filter(|w| *w != "-").collect();
        let shown: Vec<&str> = text.split_whitespace().filter(|w| *w != "•").collect();
        assert_eq!(shown, words, "no word split or lost:\n{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 24, "{line:?}");
        }
        // Continuation lines of a list item hang under its text.
        let item: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("  • "))
            .collect();
        assert!(
            item.len() > 1 && item[1..].iter().all(|l| l.starts_with("    ")),
            "{text}"
        );
    }

    #[test]
    fn bold_uses_ansi_per_word_only_when_asked() {
        let layout = Layout {
            width: 80,
            ansi: true,
        };
        assert_eq!(
            layout.wrap("a **big deal** here", "", ""),
            "a \x1b[1mbig\x1b[0m \x1b[1mdeal\x1b[0m here"
        );
        assert_eq!(
            Layout::plain(80).wrap("a **big deal** here", "", ""),
            "a big deal here"
        );
        // Not emphasis: arithmetic and identifiers keep their characters.
        assert_eq!(
            Layout::plain(80).wrap("2 * 3 and snake_case", "", ""),
            "2 * 3 and snake_case"
        );
    }

    #[test]
    fn a_width_from_nowhere_is_80_and_tiny_widths_are_raised() {
        assert_eq!(Layout::plain(5).width, MIN_WIDTH);
        assert_eq!(DEFAULT_WIDTH, 80);
    }
}
