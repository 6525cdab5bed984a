//! Tokens of the schema language, with positions. Comments are dropped; newlines are kept
//! because a field or attribute ends at the end of its line.

use super::ParseError;

/// Characters in a name. Database identifiers are far shorter (PostgreSQL: 63 bytes); the cap
/// keeps a hostile schema from multiplying one huge name into every operation about it.
pub const MAX_IDENT: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(char),
    /// `@`
    At,
    /// `@@`
    AtAt,
    Newline,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub column: usize,
}

fn error(line: usize, column: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        column,
        message: message.into(),
    }
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut column) = (0, 1, 1);
    while i < chars.len() {
        let c = chars[i];
        let start = (line, column);
        let push = |out: &mut Vec<Token>, tok| {
            out.push(Token {
                tok,
                line: start.0,
                column: start.1,
            })
        };
        match c {
            '\n' => {
                push(&mut out, Tok::Newline);
                i += 1;
                line += 1;
                column = 1;
                continue;
            }
            c if c.is_whitespace() => {}
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                column += 1;
                loop {
                    match chars.get(i) {
                        None | Some('\n') => {
                            return Err(error(start.0, start.1, "string is not closed"));
                        }
                        Some('"') => break,
                        Some('\\') => {
                            // A string stays on its line, escaped newline or not.
                            let escaped = chars
                                .get(i + 1)
                                .filter(|c| **c != '\n')
                                .ok_or_else(|| error(start.0, start.1, "string is not closed"))?;
                            s.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                            column += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                            column += 1;
                        }
                    }
                }
                push(&mut out, Tok::Str(s));
            }
            '@' => {
                if chars.get(i + 1) == Some(&'@') {
                    push(&mut out, Tok::AtAt);
                    i += 1;
                    column += 1;
                } else {
                    push(&mut out, Tok::At);
                }
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let mut s = String::from(c);
                while let Some(&d) = chars.get(i + 1) {
                    if d.is_ascii_digit() || d == '.' {
                        s.push(d);
                        i += 1;
                        column += 1;
                    } else {
                        break;
                    }
                }
                push(&mut out, Tok::Num(s));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut s = String::from(c);
                while let Some(&d) = chars.get(i + 1) {
                    if d.is_alphanumeric() || d == '_' {
                        s.push(d);
                        i += 1;
                        column += 1;
                    } else {
                        break;
                    }
                }
                if s.chars().count() > MAX_IDENT {
                    return Err(error(
                        start.0,
                        start.1,
                        format!("a name longer than {MAX_IDENT} characters"),
                    ));
                }
                push(&mut out, Tok::Ident(s));
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ',' | ':' | '=' | '?' | '.' => {
                push(&mut out, Tok::Punct(c));
            }
            other => {
                return Err(error(
                    line,
                    column,
                    format!("unexpected character {other:?}"),
                ));
            }
        }
        i += 1;
        column += 1;
    }
    Ok(out)
}
