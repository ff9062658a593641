//! Zola's template filters and functions that Tera 2 does not build in and
//! Zola themes use: `markdown`, `date`, `now()`. Same names and arguments
//! as Zola's, so a theme's calls work unchanged.

use tera::{Kwargs, State, Tera, Value};

use super::{FunctionSlot, data_of};
use crate::markdown::{MarkdownOptions, render_fragment};

/// Registers the filters and functions on `tera`.
pub(super) fn register(tera: &mut Tera, slot: FunctionSlot) {
    tera.register_filter(
        "markdown",
        move |text: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let inline = kwargs.get::<bool>("inline")?.unwrap_or(false);
            let data = data_of(&slot)?;
            let links = data.site.links();
            let resolve = |target: &str| links.url(target);
            let opts = MarkdownOptions::of_theme(&data.site.config, data.site.markup.as_ref());
            render_fragment(text, !inline, &opts, &resolve)
                .map(|html| Value::safe_string(&html))
                .map_err(tera::Error::message)
        },
    );
    tera.register_filter(
        "date",
        |value: Value, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let format = kwargs
                .get::<String>("format")?
                .unwrap_or_else(|| "%Y-%m-%d".to_string());
            let text = match value.as_str() {
                Some(s) => s.to_string(),
                None => match value.as_i64() {
                    Some(ts) => from_timestamp(ts),
                    None => {
                        return Err(tera::Error::message(format!(
                            "date: expected a date string or a timestamp, got `{value}`"
                        )));
                    }
                },
            };
            format_date(&text, &format).ok_or_else(|| {
                tera::Error::message(format!(
                    "date: `{text}` is not a date (YYYY-MM-DD or RFC 3339)"
                ))
            })
        },
    );
    tera.register_function(
        "now",
        |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            if kwargs.get::<bool>("timestamp")?.unwrap_or(false) {
                Ok(Value::from(secs))
            } else {
                Ok(Value::from(from_timestamp(secs)))
            }
        },
    );
}

/// RFC 3339 (UTC) of a Unix timestamp.
fn from_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// strftime's common directives over `YYYY-MM-DD[THH:MM:SS[offset]]`.
fn format_date(text: &str, format: &str) -> Option<String> {
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (hh, mm, ss) = (
        num(11..13).unwrap_or(0),
        num(14..16).unwrap_or(0),
        num(17..19).unwrap_or(0),
    );
    let offset = text
        .get(19..)
        .map(|o| o.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit()))
        .filter(|o| !o.is_empty())
        .map(|o| {
            if o == "Z" {
                "+00:00".to_string()
            } else {
                o.to_string()
            }
        })
        .unwrap_or_else(|| "+00:00".to_string());
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    const T: [i64; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let yy = if m < 3 { y - 1 } else { y };
    let wd = (yy + yy / 4 - yy / 100 + yy / 400 + T[(m - 1) as usize] + d).rem_euclid(7) as usize;
    let month = MONTHS[(m - 1) as usize];
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let no_pad = chars.peek() == Some(&'-');
        if no_pad {
            chars.next();
        }
        let pad2 = |n: i64| {
            if no_pad {
                n.to_string()
            } else {
                format!("{n:02}")
            }
        };
        match chars.next()? {
            'Y' => out.push_str(&format!("{y:04}")),
            'y' => out.push_str(&format!("{:02}", y % 100)),
            'm' => out.push_str(&pad2(m)),
            'd' => out.push_str(&pad2(d)),
            'e' => out.push_str(&format!("{d:>2}")),
            'B' => out.push_str(month),
            'b' | 'h' => out.push_str(&month[..3]),
            'A' => out.push_str(DAYS[wd]),
            'a' => out.push_str(&DAYS[wd][..3]),
            'H' => out.push_str(&pad2(hh)),
            'M' => out.push_str(&pad2(mm)),
            'S' => out.push_str(&pad2(ss)),
            'F' => out.push_str(&format!("{y:04}-{m:02}-{d:02}")),
            'T' => out.push_str(&format!("{hh:02}:{mm:02}:{ss:02}")),
            '+' => out.push_str(&format!(
                "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{offset}"
            )),
            'z' => out.push_str(&offset.replace(':', "")),
            '%' => out.push('%'),
            other => {
                out.push('%');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_zola() {
        assert_eq!(format_date("2024-01-02", "%Y-%m-%d").unwrap(), "2024-01-02");
        assert_eq!(
            format_date("2024-01-02", "%B %-d, %Y").unwrap(),
            "January 2, 2024"
        );
        assert_eq!(format_date("2024-01-02", "%a %d %b").unwrap(), "Tue 02 Jan");
        assert_eq!(
            format_date("2024-01-02T10:20:30Z", "%+").unwrap(),
            "2024-01-02T10:20:30+00:00"
        );
        assert_eq!(from_timestamp(0), "1970-01-01T00:00:00Z");
        assert!(format_date("soon", "%Y").is_none());
    }
}
