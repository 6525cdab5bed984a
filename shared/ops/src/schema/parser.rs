//! A recursive-descent parser over the lexer's tokens.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::lexer::{Tok, Token, lex};

mod attributes;
use super::{
    Arg, Arity, Attribute, ConfigBlock, Enum, EnumValue, Expr, Field, Model, ModelKind, ParseError,
    PrismaSchema,
};

/// Parses a schema's text.
pub fn parse(text: &str) -> Result<PrismaSchema, ParseError> {
    let tokens = lex(text)?;
    let end = tokens.last().map_or((1, 1), |t| (t.line, t.column + 1));
    Parser {
        tokens,
        at: 0,
        end,
        depth: 0,
        members: 0,
    }
    .schema()
}

/// The most blocks (models, views, types, enums) a schema may hold: far beyond real schemas
/// (the largest public ones hold a few hundred), and a bound on what one diff costs.
pub const MAX_BLOCKS: usize = 5_000;

/// The most members (fields, block attributes, enum values) a schema may hold, all blocks
/// together.
pub const MAX_MEMBERS: usize = 50_000;

/// How deeply values may nest (`[`, `f(`): far beyond any real schema (`@@index([a(sort:
/// Desc)])` is three), and shallow enough that a hostile body cannot exhaust the stack.
pub const MAX_NESTING: usize = 32;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: (usize, usize),
    /// Values open around the current one.
    depth: usize,
    /// Members read so far, all blocks together ([`MAX_MEMBERS`]).
    members: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn position(&self) -> (usize, usize) {
        self.tokens
            .get(self.at)
            .map_or(self.end, |t| (t.line, t.column))
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        let (line, column) = self.position();
        Err(ParseError {
            line,
            column,
            message: message.into(),
        })
    }

    /// Consumes the token: it is moved out, not cloned (a token is read once; only its
    /// position is looked at again, for an error).
    fn next(&mut self) -> Option<Tok> {
        let tok = self
            .tokens
            .get_mut(self.at)
            .map(|t| std::mem::replace(&mut t.tok, Tok::Newline));
        self.at += 1;
        tok
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            self.error(format!("expected `{c}`"))
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, ParseError> {
        match self.tokens.get_mut(self.at).map(|t| &mut t.tok) {
            Some(Tok::Ident(name)) => {
                let name = std::mem::take(name);
                self.at += 1;
                Ok(name)
            }
            _ => self.error(format!("expected {what}")),
        }
    }

    /// The end of a member: a newline, or the block's closing brace (left in place).
    fn end_of_member(&mut self) -> Result<(), ParseError> {
        self.members += 1;
        match self.peek() {
            Some(Tok::Newline) => {
                self.at += 1;
                Ok(())
            }
            Some(Tok::Punct('}')) => Ok(()),
            None => self.error("unexpected end of the schema"),
            _ => self.error("expected the end of the line"),
        }
    }

    /// Models, views, composite types and enums share one namespace, as in Prisma: a second
    /// block of a name is an error at that name, since a diff by name could not tell them apart.
    fn schema(mut self) -> Result<PrismaSchema, ParseError> {
        let mut schema = PrismaSchema::default();
        let mut names: HashMap<String, usize> = HashMap::new();
        loop {
            self.skip_newlines();
            if self.peek().is_none() {
                return Ok(schema);
            }
            let line = self.position().0;
            if schema.models.len() + schema.enums.len() >= MAX_BLOCKS {
                return self.error(format!(
                    "a schema holds at most {MAX_BLOCKS} models, views, types and enums"
                ));
            }
            let keyword = self.ident("a block (model, view, type, enum, datasource, generator)")?;
            if matches!(keyword.as_str(), "model" | "view" | "type" | "enum")
                && let Some(Tok::Ident(name)) = self.peek()
                && let Some(first) = names.insert(name.clone(), line)
            {
                return self.error(format!("`{name}` is already defined on line {first}"));
            }
            match keyword.as_str() {
                "model" | "view" | "type" => {
                    let kind = match keyword.as_str() {
                        "model" => ModelKind::Model,
                        "view" => ModelKind::View,
                        _ => ModelKind::Type,
                    };
                    schema.models.push(self.model(kind, line)?);
                }
                "enum" => schema.enums.push(self.enumeration(line)?),
                "datasource" | "generator" => schema.configs.push(self.config(keyword)?),
                other => {
                    self.at -= 1;
                    return self.error(format!("unknown block `{other}`"));
                }
            }
        }
    }

    fn model(&mut self, kind: ModelKind, line: usize) -> Result<Model, ParseError> {
        let name = self.ident("a name")?;
        self.expect('{')?;
        let mut model = Model {
            kind,
            name,
            fields: Vec::new(),
            attributes: Vec::new(),
            line,
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                Some(Tok::Punct('}')) => {
                    self.at += 1;
                    return Ok(model);
                }
                Some(_) if self.members >= MAX_MEMBERS => {
                    return self.error(format!(
                        "a schema holds at most {MAX_MEMBERS} fields, block attributes and enum \
                         values"
                    ));
                }
                Some(Tok::AtAt) => {
                    self.at += 1;
                    model.attributes.push(self.attribute()?);
                    self.end_of_member()?;
                }
                Some(Tok::Ident(name)) => {
                    if let Some(first) = seen.get(name) {
                        return self.error(format!(
                            "the field `{name}` is already defined on line {first}"
                        ));
                    }
                    let field = self.field()?;
                    seen.insert(field.name.clone(), field.line);
                    model.fields.push(field);
                }
                None => return self.error("the block is not closed"),
                _ => return self.error("expected a field or a block attribute"),
            }
        }
    }

    fn field(&mut self) -> Result<Field, ParseError> {
        let line = self.position().0;
        let name = self.ident("a field name")?;
        let mut ty = self.ident("a field type")?;
        if ty == "Unsupported" {
            self.expect('(')?;
            match self.next() {
                Some(Tok::Str(s)) => ty = format!("Unsupported({s:?})"),
                _ => {
                    self.at -= 1;
                    return self.error("expected the unsupported type as a string");
                }
            }
            self.expect(')')?;
        }
        let arity = if self.eat('?') {
            Arity::Optional
        } else if self.eat('[') {
            self.expect(']')?;
            if self.peek() == Some(&Tok::Punct('?')) {
                return self.error("a list cannot be optional");
            }
            Arity::List
        } else {
            Arity::Required
        };
        let mut attributes = Vec::new();
        while self.peek() == Some(&Tok::At) {
            self.at += 1;
            attributes.push(self.attribute()?);
        }
        self.end_of_member()?;
        Ok(Field {
            name,
            ty,
            arity,
            attributes,
            line,
        })
    }

    fn enumeration(&mut self, line: usize) -> Result<Enum, ParseError> {
        let name = self.ident("an enum name")?;
        self.expect('{')?;
        let mut e = Enum {
            name,
            values: Vec::new(),
            attributes: Vec::new(),
            line,
        };
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                Some(Tok::Punct('}')) => {
                    self.at += 1;
                    return Ok(e);
                }
                Some(_) if self.members >= MAX_MEMBERS => {
                    return self.error(format!(
                        "a schema holds at most {MAX_MEMBERS} fields, block attributes and enum \
                         values"
                    ));
                }
                Some(Tok::AtAt) => {
                    self.at += 1;
                    e.attributes.push(self.attribute()?);
                    self.end_of_member()?;
                }
                Some(Tok::Ident(value)) => {
                    if !seen.insert(value.clone()) {
                        return self.error(format!("the value `{value}` is already defined"));
                    }
                    let name = self.ident("an enum value")?;
                    let mut attributes = Vec::new();
                    while self.peek() == Some(&Tok::At) {
                        self.at += 1;
                        attributes.push(self.attribute()?);
                    }
                    self.end_of_member()?;
                    e.values.push(EnumValue { name, attributes });
                }
                None => return self.error("the enum is not closed"),
                _ => return self.error("expected an enum value"),
            }
        }
    }

    fn config(&mut self, kind: String) -> Result<ConfigBlock, ParseError> {
        let name = self.ident("a name")?;
        self.expect('{')?;
        let mut block = ConfigBlock {
            kind,
            name,
            properties: Vec::new(),
        };
        loop {
            self.skip_newlines();
            match self.peek() {
                Some(Tok::Punct('}')) => {
                    self.at += 1;
                    return Ok(block);
                }
                Some(Tok::Ident(_)) => {
                    let key = self.ident("a property")?;
                    self.expect('=')?;
                    let value = self.expr()?;
                    self.end_of_member()?;
                    block.properties.push((key, value));
                }
                None => return self.error("the block is not closed"),
                _ => return self.error("expected `name = value`"),
            }
        }
    }
}
