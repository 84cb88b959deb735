//! Tables as the ceilometer client prints them (prettytable, left-aligned).

use serde_json::Value;

/// A cell's text: strings as they are, `null` as `None`, other JSON compact.
pub(crate) fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Renders rows under `labels`.
pub(crate) fn render(labels: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = labels.iter().map(|l| l.chars().count()).collect();
    for row in rows {
        for (width, text) in widths.iter_mut().zip(row) {
            for line in text.lines() {
                *width = (*width).max(line.chars().count());
            }
        }
    }
    let rule = {
        let mut s = String::from("+");
        for width in &widths {
            s.push_str(&"-".repeat(width + 2));
            s.push('+');
        }
        s.push('\n');
        s
    };
    let line = |cells: &[String]| {
        // A cell with several lines makes the row that tall.
        let height = cells
            .iter()
            .map(|c| c.lines().count().max(1))
            .max()
            .unwrap_or(1);
        let mut out = String::new();
        for i in 0..height {
            out.push('|');
            for (width, text) in widths.iter().zip(cells) {
                let part = text.lines().nth(i).unwrap_or("");
                out.push(' ');
                out.push_str(part);
                out.push_str(&" ".repeat(width - part.chars().count() + 1));
                out.push('|');
            }
            out.push('\n');
        }
        out
    };
    let mut out = rule.clone();
    out.push_str(&line(
        &labels.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>(),
    ));
    out.push_str(&rule);
    for row in rows {
        out.push_str(&line(row));
    }
    out.push_str(&rule);
    out
}

/// Renders an object as the client's `Property | Value` table, keys sorted.
pub(crate) fn render_dict(object: &serde_json::Map<String, Value>) -> String {
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    let rows: Vec<Vec<String>> = keys
        .into_iter()
        .map(|k| vec![k.clone(), cell(object.get(k))])
        .collect();
    render(&["Property", "Value"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_their_widest_cell() {
        let text = render(
            &["Name", "Volume"],
            &[
                vec!["cpu_util".into(), "1.5".into()],
                vec!["x".into(), "None".into()],
            ],
        );
        assert_eq!(
            text,
            "+----------+--------+\n| Name     | Volume |\n+----------+--------+\n\
             | cpu_util | 1.5    |\n| x        | None   |\n+----------+--------+\n"
        );
    }

    #[test]
    fn cells_render_json_as_the_client() {
        assert_eq!(cell(Some(&Value::Null)), "None");
        assert_eq!(cell(None), "None");
        assert_eq!(cell(Some(&serde_json::json!("a"))), "a");
        assert_eq!(cell(Some(&serde_json::json!(2.0))), "2.0");
        assert_eq!(cell(Some(&serde_json::json!({"k": 1}))), "{\"k\":1}");
    }
}
