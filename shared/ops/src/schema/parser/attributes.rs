//! Attributes (`@id`, `@@index([a, b])`, `@default(now())`) and their arguments.

use super::*;

impl Parser {
    /// After `@` or `@@`: a dotted name and optional arguments.
    pub(super) fn attribute(&mut self) -> Result<Attribute, ParseError> {
        let mut name = self.ident("an attribute name")?;
        while self.eat('.') {
            name.push('.');
            name.push_str(&self.ident("an attribute name")?);
        }
        let args = if self.peek() == Some(&Tok::Punct('(')) {
            self.args()?
        } else {
            Vec::new()
        };
        Ok(Attribute { name, args })
    }

    /// `( [arg {, arg}] )`, newlines allowed inside.
    fn args(&mut self) -> Result<Vec<Arg>, ParseError> {
        self.expect('(')?;
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat(')') {
                return Ok(args);
            }
            let named = matches!(self.peek(), Some(Tok::Ident(_)))
                && self.tokens.get(self.at + 1).map(|t| &t.tok) == Some(&Tok::Punct(':'));
            let name = if named {
                let n = self.ident("an argument name")?;
                self.expect(':')?;
                Some(n)
            } else {
                None
            };
            self.skip_newlines();
            args.push(Arg {
                name,
                value: self.expr()?,
            });
            self.skip_newlines();
            if !self.eat(',') {
                self.skip_newlines();
                self.expect(')')?;
                return Ok(args);
            }
        }
    }

    pub(super) fn expr(&mut self) -> Result<Expr, ParseError> {
        if self.depth >= MAX_NESTING {
            return self.error(format!("values nest deeper than {MAX_NESTING} levels"));
        }
        self.depth += 1;
        let value = self.value();
        self.depth -= 1;
        value
    }

    fn value(&mut self) -> Result<Expr, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.at += 1;
                Ok(Expr::String(s))
            }
            Some(Tok::Num(n)) => {
                self.at += 1;
                Ok(Expr::Number(n))
            }
            Some(Tok::Punct('[')) => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_newlines();
                    if self.eat(']') {
                        return Ok(Expr::Array(items));
                    }
                    items.push(self.expr()?);
                    self.skip_newlines();
                    if !self.eat(',') {
                        self.skip_newlines();
                        self.expect(']')?;
                        return Ok(Expr::Array(items));
                    }
                }
            }
            Some(Tok::Ident(_)) => {
                let mut name = self.ident("a value")?;
                while self.eat('.') {
                    name.push('.');
                    name.push_str(&self.ident("a name")?);
                }
                if self.peek() == Some(&Tok::Punct('(')) {
                    let args = self.args()?;
                    Ok(Expr::Call(name, args))
                } else {
                    Ok(Expr::Ident(name))
                }
            }
            _ => self.error("expected a value"),
        }
    }
}
