//! JSON tracing for CloudWatch: one flat JSON object per line, with the fields of every
//! enclosing span (such as `correlation_id`) at the top level beside the event's own fields.
//!
//! Every request logs a line, so the line is written straight into one buffer: a span's fields
//! are formatted once, when the span is created, as ready-made `"name":value` pairs, and an
//! event copies them in beside its own; nothing is parsed back or collected into a map. A name
//! appears once per line: the event's own field wins over a span's, an inner span's over an
//! outer one's.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// Installs the JSON subscriber on stdout; `RUST_LOG` filters (default `info`). Safe to call
/// twice.
pub fn init_json() {
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout));
}

/// The production subscriber, writing to `writer` (tests capture the output with it).
pub fn json_subscriber<W>(writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .fmt_fields(SpanPairs)
        .event_format(FlatJson)
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// Separates a span's stored pairs. JSON escapes a line feed inside a string, so none can
/// occur within a pair.
const PAIR_SEPARATOR: char = '\n';

/// Formats a span's fields once, as `"name":value` pairs separated by [`PAIR_SEPARATOR`].
struct SpanPairs;

impl<'writer> FormatFields<'writer> for SpanPairs {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut pairs = Pairs::new(PAIR_SEPARATOR);
        fields.record(&mut pairs);
        writer.write_str(&pairs.out)
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut pairs = Pairs::new(PAIR_SEPARATOR);
        fields.record(&mut pairs);
        if !current.fields.is_empty() && !pairs.out.is_empty() {
            current.fields.push(PAIR_SEPARATOR);
        }
        current.fields.push_str(&pairs.out);
        Ok(())
    }
}

/// Formats an event as one flat JSON object.
struct FlatJson;

impl<S, N> FormatEvent<S, N> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = time::OffsetDateTime::now_utc();
        let timestamp = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut line = Pairs::new(',');
        line.out.reserve(256);
        line.out.push('{');
        line.pair_str("timestamp", &timestamp);
        line.pair_str("level", event.metadata().level().as_str());
        event.record(&mut line);
        if let Some(scope) = ctx.event_scope() {
            // Innermost first, so the nearest span's field is the one kept.
            for span in scope {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<N>>() else {
                    continue;
                };
                for pair in fields.split(PAIR_SEPARATOR).filter(|p| !p.is_empty()) {
                    line.copy_pair(pair);
                }
            }
        }
        line.out.push('}');
        writeln!(writer, "{}", line.out)
    }
}

/// JSON `"name":value` pairs written into one string, each name once.
struct Pairs {
    out: String,
    separator: char,
    /// The names written so far: the event's own (static) and the spans' (copied).
    names: Vec<Cow<'static, str>>,
    empty: bool,
}

impl Pairs {
    fn new(separator: char) -> Self {
        Self {
            out: String::new(),
            separator,
            names: Vec::new(),
            empty: true,
        }
    }

    /// Starts the pair `name` unless the line has one; false when it has.
    fn begin(&mut self, name: &'static str) -> bool {
        if self.names.iter().any(|n| n == name) {
            return false;
        }
        self.names.push(Cow::Borrowed(name));
        if !self.empty {
            self.out.push(self.separator);
        }
        self.empty = false;
        push_json_string(&mut self.out, name);
        self.out.push(':');
        true
    }

    fn pair_str(&mut self, name: &'static str, value: &str) {
        if self.begin(name) {
            push_json_string(&mut self.out, value);
        }
    }

    fn pair_raw(&mut self, name: &'static str, value: impl fmt::Display) {
        if self.begin(name) {
            let _ = write!(self.out, "{value}");
        }
    }

    /// Copies a pair a span stored, unless the line has its name.
    fn copy_pair(&mut self, pair: &str) {
        let Some(name) = pair
            .strip_prefix('"')
            .and_then(|rest| rest.split_once("\":"))
            .map(|(name, _)| name)
        else {
            return;
        };
        if self.names.iter().any(|n| n == name) {
            return;
        }
        self.names.push(Cow::Owned(name.to_owned()));
        if !self.empty {
            self.out.push(self.separator);
        }
        self.empty = false;
        self.out.push_str(pair);
    }
}

impl Visit for Pairs {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.pair_str(field.name(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.pair_raw(field.name(), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.pair_raw(field.name(), value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.pair_raw(field.name(), value);
        } else {
            self.pair_raw(field.name(), "null");
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.pair_raw(field.name(), value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.pair_str(field.name(), &format!("{value:?}"));
    }
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (at, c) in text.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&text[start..at]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(escape);
        }
        start = at + c.len_utf8();
    }
    out.push_str(&text[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn span_fields_are_flattened_into_every_line() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = json_subscriber(move || writer.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", correlation_id = "req-7", path = "/health");
            let _entered = span.enter();
            tracing::info!(status = 200u64, "request");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["correlation_id"], "req-7");
        assert_eq!(line["path"], "/health");
        assert_eq!(line["status"], 200);
        assert_eq!(line["message"], "request");
        assert_eq!(line["level"], "INFO");
    }

    fn lines_of(run: impl FnOnce()) -> Vec<String> {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = json_subscriber(move || writer.clone());
        tracing::subscriber::with_default(subscriber, run);
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn each_name_appears_once_the_nearest_value_winning() {
        let lines = lines_of(|| {
            let outer = tracing::info_span!("outer", path = "/outer", kept = 1u64);
            let _outer = outer.enter();
            let inner = tracing::info_span!("inner", path = "/inner", late = tracing::field::Empty);
            inner.record("late", "recorded later");
            let _inner = inner.enter();
            tracing::info!(kept = 2u64, "event");
        });
        let line = &lines[0];
        for name in ["path", "kept", "late", "message", "level", "timestamp"] {
            assert_eq!(
                line.matches(&format!("\"{name}\":")).count(),
                1,
                "{name}: {line}"
            );
        }
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["path"], "/inner");
        assert_eq!(value["kept"], 2);
        assert_eq!(value["late"], "recorded later");
    }

    #[test]
    fn values_are_escaped_into_valid_json() {
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} é ☃";
        let lines = lines_of(|| {
            let span = tracing::info_span!("request", path = awkward);
            let _entered = span.enter();
            tracing::info!(
                detail = awkward,
                ratio = 0.5f64,
                nan = f64::NAN,
                negative = -3i64,
                flag = true,
                "message with \"quotes\""
            );
        });
        assert_eq!(lines.len(), 1, "one line: {lines:?}");
        let value: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(value["path"], awkward);
        assert_eq!(value["detail"], awkward);
        assert_eq!(value["ratio"], 0.5);
        assert_eq!(value["nan"], Value::Null);
        assert_eq!(value["negative"], -3);
        assert_eq!(value["flag"], true);
        assert_eq!(value["message"], "message with \"quotes\"");
    }
}
