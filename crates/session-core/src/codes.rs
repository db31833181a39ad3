//! Upstream code tables: the one place a provider says what each of its upstream's codes means;
//! see [`CodeTable`].

use std::fmt::Write as _;

use crate::ErrorKind;

/// The code of a [`Code::other`] row: any code the table does not list.
const OTHER: &str = "*";

/// One row of a [`CodeTable`]: an upstream code, the operations it applies to, the
/// [`ErrorKind`] it maps to and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    code: &'static str,
    when: &'static [&'static str],
    kind: ErrorKind,
    meaning: &'static str,
}

impl Code {
    /// A row for `code`, applying to every operation.
    pub const fn new(code: &'static str, kind: ErrorKind, meaning: &'static str) -> Self {
        Self {
            code,
            when: &[],
            kind,
            meaning,
        }
    }

    /// The row for every code the table does not list (several such rows may exist, each for its
    /// own operations).
    pub const fn other(kind: ErrorKind, meaning: &'static str) -> Self {
        Self::new(OTHER, kind, meaning)
    }

    /// Restricts the row to the operations (or grants, endpoints...) named in `when`, as the
    /// caller of [`CodeTable::kind`] names them.
    pub const fn when(mut self, when: &'static [&'static str]) -> Self {
        self.when = when;
        self
    }

    /// The upstream code, or `None` for a [`Code::other`] row.
    pub fn code(&self) -> Option<&'static str> {
        (self.code != OTHER).then_some(self.code)
    }

    /// The operations the row applies to; empty for every operation.
    pub fn operations(&self) -> &'static [&'static str] {
        self.when
    }

    /// The kind the code maps to.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What the code means, in a few words.
    pub fn meaning(&self) -> &'static str {
        self.meaning
    }

    fn applies_to(&self, when: Option<&str>) -> bool {
        self.when.is_empty() || when.is_some_and(|w| self.when.contains(&w))
    }

    /// The first cell of the rendered row.
    fn code_cell(&self) -> String {
        match self.code() {
            Some(code) => format!("`{code}`"),
            None => "any other code".to_owned(),
        }
    }

    /// The cells after the codes: operations (when the table has that column), meaning, kind,
    /// retry rule.
    fn value_cells(&self, with_when: bool) -> Vec<String> {
        let mut cells = Vec::new();
        if with_when {
            cells.push(if self.when.is_empty() {
                "any".to_owned()
            } else {
                self.when.join(", ")
            });
        }
        cells.push(self.meaning.to_owned());
        cells.push(format!("`{:?}`", self.kind));
        cells.push(self.kind.retried().to_owned());
        cells
    }
}

/// A provider's table of upstream codes: lookups for its classification code, and the markdown
/// its docs print.
///
/// A provider keeps one [`CodeTable`] per family of codes (an identity service's login codes, an
/// API's exception codes, the RFC 6749 token errors...). Its classification code looks codes up
/// in the table ([`CodeTable::kind`]) instead of keeping a second copy of the mapping, and its
/// crate docs print the table as [`CodeTable::markdown`] renders it; a unit test per table
/// ([`CodeTable::check_docs`], feature `test-util`) fails when the docs and the table disagree on
/// any row.
///
/// ```
/// use session_core::{Code, CodeTable, ErrorKind};
///
/// const CODES: CodeTable = CodeTable::new(
///     "code",
///     &[
///         Code::new("BAD_PASSWORD", ErrorKind::InvalidCredentials, "wrong password"),
///         Code::new("NO_SESSION", ErrorKind::SessionRejected, "the session is gone"),
///         Code::other(ErrorKind::UnexpectedResponse, "a code this crate does not know"),
///     ],
/// );
///
/// assert_eq!(CODES.kind("BAD_PASSWORD", None), Some(ErrorKind::InvalidCredentials));
/// assert_eq!(CODES.kind("SOMETHING_NEW", None), Some(ErrorKind::UnexpectedResponse));
/// assert_eq!(CODES.find("SOMETHING_NEW", None), None);
/// assert!(CODES.markdown().contains("| `NO_SESSION` | the session is gone | `SessionRejected` |"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CodeTable {
    label: &'static str,
    when_label: &'static str,
    rows: &'static [Code],
    ignore_case: bool,
}

impl CodeTable {
    /// A table whose first column is headed `label` (what the upstream calls its codes, for
    /// example ``"`errorCode`"``). Codes match exactly; rows are looked up in order, so a row
    /// restricted with [`Code::when`] goes before a general row for the same code.
    pub const fn new(label: &'static str, rows: &'static [Code]) -> Self {
        Self {
            label,
            when_label: "when",
            rows,
            ignore_case: false,
        }
    }

    /// Matches codes ignoring ASCII case and surrounding whitespace.
    pub const fn ignore_ascii_case(mut self) -> Self {
        self.ignore_case = true;
        self
    }

    /// Heads the operations column `label` (default `when`), for example `"grant"`.
    pub const fn when_column(mut self, label: &'static str) -> Self {
        self.when_label = label;
        self
    }

    /// Every row, in order.
    pub fn rows(&self) -> &'static [Code] {
        self.rows
    }

    fn matches(&self, row: &Code, code: &str) -> bool {
        if self.ignore_case {
            row.code.eq_ignore_ascii_case(code.trim())
        } else {
            row.code == code
        }
    }

    /// The row listing `code` for the operation `when` (`None`: no operation given, so only rows
    /// for every operation match). [`Code::other`] rows are not returned.
    pub fn find(&self, code: &str, when: Option<&str>) -> Option<&'static Code> {
        if code == OTHER {
            return None;
        }
        self.rows
            .iter()
            .find(|r| r.code != OTHER && self.matches(r, code) && r.applies_to(when))
    }

    /// Whether the table lists `code` for any operation.
    pub fn knows(&self, code: &str) -> bool {
        code != OTHER
            && self
                .rows
                .iter()
                .any(|r| r.code != OTHER && self.matches(r, code))
    }

    /// The kind of `code` for the operation `when`: its row's, else that of the first
    /// [`Code::other`] row for the operation, else `None`.
    pub fn kind(&self, code: &str, when: Option<&str>) -> Option<ErrorKind> {
        self.find(code, when)
            .or_else(|| {
                self.rows
                    .iter()
                    .find(|r| r.code == OTHER && r.applies_to(when))
            })
            .map(|r| r.kind)
    }

    fn has_when_column(&self) -> bool {
        self.rows.iter().any(|r| !r.when.is_empty())
    }

    /// The header line of the rendered table.
    fn header(&self) -> String {
        let mut cells = vec![self.label];
        if self.has_when_column() {
            cells.push(self.when_label);
        }
        cells.extend(["meaning", "kind", "retried automatically"]);
        format!("| {} |", cells.join(" | "))
    }

    /// The rendered rows: consecutive rows that differ only in their code share one line.
    fn lines(&self) -> Vec<String> {
        let with_when = self.has_when_column();
        let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for row in self.rows {
            let value = row.value_cells(with_when);
            match groups.last_mut() {
                Some((codes, last))
                    if *last == value
                        && row.code != OTHER
                        && !codes.iter().any(|c| c == "any other code") =>
                {
                    codes.push(row.code_cell());
                }
                _ => groups.push((vec![row.code_cell()], value)),
            }
        }
        groups
            .into_iter()
            .map(|(codes, value)| format!("| {} | {} |", codes.join(", "), value.join(" | ")))
            .collect()
    }

    /// The table as markdown, as the provider's crate docs print it: a header, then one line per
    /// group of consecutive rows that differ only in their code.
    pub fn markdown(&self) -> String {
        let header = self.header();
        let columns = header.matches(" | ").count() + 1;
        let mut out = header;
        out.push('\n');
        out.push('|');
        out.push_str(&"---|".repeat(columns));
        out.push('\n');
        for line in self.lines() {
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// Checks that `docs` prints this table: `docs` is a Rust source file whose `//!` lines are
    /// its docs (for example `include_str!("lib.rs")`), or markdown (a README). Fails, listing
    /// every difference, when no table has this table's header, when two do, or when the printed
    /// rows are not exactly [`markdown`](Self::markdown)'s: a code missing, a code too many, a
    /// code with another meaning, kind, retry rule or operation, or rows in another order or
    /// grouping.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn check_docs(&self, docs: &str) -> Result<(), String> {
        let text = doc_text(docs);
        let header = self.header();
        let starts: Vec<usize> = text
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim_end() == header)
            .map(|(i, _)| i)
            .collect();
        let start = match starts.as_slice() {
            [one] => *one,
            [] => return Err(format!("the docs have no table headed `{header}`")),
            _ => {
                return Err(format!(
                    "the docs have {} tables headed `{header}`",
                    starts.len()
                ));
            }
        };
        let columns = header.matches(" | ").count() + 1;
        let separator = format!("|{}", "---|".repeat(columns));
        if text.get(start + 1).map(|l| l.trim_end()) != Some(separator.as_str()) {
            return Err(format!(
                "the table headed `{header}` needs `{separator}` under it"
            ));
        }
        if let Some(row) = self.rows.iter().find(|r| r.meaning.contains('|')) {
            return Err(format!("the meaning of {} contains `|`", row.code_cell()));
        }
        let printed: Vec<String> = text[start + 2..]
            .iter()
            .map(|l| l.trim_end())
            .take_while(|l| l.starts_with('|'))
            .map(str::to_owned)
            .collect();
        let expected = self.lines();
        if printed == expected {
            return Ok(());
        }
        let mut problems = Vec::new();
        let with_when = self.has_when_column();
        let ours = rows_by_code(&expected, with_when);
        let theirs = rows_by_code(&printed, with_when);
        for (code, value) in &ours {
            match theirs.iter().find(|(c, _)| c == code) {
                None => problems.push(format!("{code}: missing from the docs")),
                Some((_, v)) if v != value => problems.push(format!(
                    "{code}: the docs say `{v}`, the table says `{value}`"
                )),
                Some(_) => {}
            }
        }
        for (code, value) in &theirs {
            if !ours.iter().any(|(c, _)| c == code) {
                problems.push(format!(
                    "{code}: in the docs (`{value}`) but not in the table"
                ));
            }
        }
        if problems.is_empty() {
            problems.push("the rows are grouped or ordered differently".to_owned());
        }
        Err(format!(
            "the docs table `{header}` disagrees with the code table:\n  {}\nprint it as:\n{}",
            problems.join("\n  "),
            self.markdown()
        ))
    }
}

/// The docs of a Rust source file (its `//!` lines without the marker), or `text` itself when it
/// has none.
#[cfg(any(test, feature = "test-util"))]
pub(crate) fn doc_text(text: &str) -> Vec<&str> {
    let docs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    if docs.is_empty() {
        text.lines().collect()
    } else {
        docs
    }
}

/// Each code of rendered rows, named with its operations cell when the table has one
/// (`` `NO_SESSION` (login) ``), and the rest of its row.
#[cfg(feature = "test-util")]
fn rows_by_code(lines: &[String], with_when: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in lines {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        let cells: Vec<&str> = inner.split(" | ").map(str::trim).collect();
        let codes = cells.first().copied().unwrap_or_default();
        let when = if with_when {
            cells.get(1).copied()
        } else {
            None
        };
        let value = cells.get(1..).unwrap_or_default().join(" | ");
        for code in codes.split(", ") {
            let name = match when {
                Some(w) => format!("{code} ({w})"),
                None => code.to_owned(),
            };
            out.push((name, value.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: CodeTable = CodeTable::new(
        "code",
        &[
            Code::new("A", ErrorKind::InvalidCredentials, "bad"),
            Code::new("B", ErrorKind::InvalidCredentials, "bad"),
            Code::new("T", ErrorKind::SessionRejected, "ticket gone").when(&["validate", "logout"]),
            Code::new("T", ErrorKind::Configuration, "ticket at login"),
            Code::other(ErrorKind::AccountRestricted, "unknown at login").when(&["login"]),
            Code::other(ErrorKind::UnexpectedResponse, "unknown elsewhere"),
        ],
    );

    #[test]
    fn lookups_follow_the_rows_in_order() {
        assert_eq!(TABLE.kind("A", None), Some(ErrorKind::InvalidCredentials));
        assert_eq!(
            TABLE.kind("T", Some("validate")),
            Some(ErrorKind::SessionRejected)
        );
        assert_eq!(
            TABLE.kind("T", Some("login")),
            Some(ErrorKind::Configuration)
        );
        assert_eq!(TABLE.kind("T", None), Some(ErrorKind::Configuration));
        assert_eq!(
            TABLE.kind("Z", Some("login")),
            Some(ErrorKind::AccountRestricted)
        );
        assert_eq!(
            TABLE.kind("Z", Some("logout")),
            Some(ErrorKind::UnexpectedResponse)
        );
        assert_eq!(TABLE.find("Z", Some("login")), None);
        assert_eq!(TABLE.find("*", None), None, "the wildcard is not a code");
        assert!(!TABLE.knows("*"));
        assert!(TABLE.knows("T"));
        assert_eq!(TABLE.kind("a", None), Some(ErrorKind::UnexpectedResponse));
        let loose = TABLE.ignore_ascii_case();
        assert_eq!(loose.kind(" a ", None), Some(ErrorKind::InvalidCredentials));
        assert_eq!(TABLE.find("A", None).and_then(Code::code), Some("A"));
        assert_eq!(TABLE.rows()[4].code(), None);
    }

    #[test]
    fn markdown_groups_consecutive_rows_that_differ_only_in_the_code() {
        let expected = "\
| code | when | meaning | kind | retried automatically |
|---|---|---|---|---|
| `A`, `B` | any | bad | `InvalidCredentials` | never; remembered until reset |
| `T` | validate, logout | ticket gone | `SessionRejected` | the manager logs in again |
| `T` | any | ticket at login | `Configuration` | no |
| any other code | login | unknown at login | `AccountRestricted` | never; remembered until reset |
| any other code | any | unknown elsewhere | `UnexpectedResponse` | no |
";
        assert_eq!(TABLE.markdown(), expected);
        const PLAIN: CodeTable =
            CodeTable::new("`errorCode`", &[Code::new("X", ErrorKind::Timeout, "slow")]);
        let plain = PLAIN.markdown();
        assert!(plain.starts_with(
            "| `errorCode` | meaning | kind | retried automatically |\n|---|---|---|---|\n"
        ));
    }

    #[cfg(feature = "test-util")]
    fn docs(table: &str) -> String {
        let mut out = String::from("//! Crate docs.\n//!\n");
        for line in table.lines() {
            out.push_str("//! ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("//!\n//! More text.\n\nmod x;\n");
        out
    }

    #[cfg(feature = "test-util")]
    #[test]
    fn the_docs_check_passes_on_the_rendered_table_and_names_every_difference() {
        let good = TABLE.markdown();
        assert_eq!(TABLE.check_docs(&docs(&good)), Ok(()));
        assert_eq!(
            TABLE.check_docs(&good),
            Ok(()),
            "markdown without //! works too"
        );

        let changed_kind = good.replace(
            "| `T` | any | ticket at login | `Configuration` |",
            "| `T` | any | ticket at login | `Unavailable` |",
        );
        let e = TABLE.check_docs(&docs(&changed_kind)).unwrap_err();
        assert!(e.contains("`T` (any): the docs say"), "{e}");

        let missing = good.replace("| `A`, `B` |", "| `A` |");
        let e = TABLE.check_docs(&docs(&missing)).unwrap_err();
        assert!(e.contains("`B` (any): missing from the docs"), "{e}");

        let extra = good.replace("| `A`, `B` |", "| `A`, `B`, `C` |");
        let e = TABLE.check_docs(&docs(&extra)).unwrap_err();
        assert!(e.contains("`C` (any): in the docs"), "{e}");

        let meaning = good.replace("| ticket gone |", "| ticket lost |");
        assert!(TABLE.check_docs(&docs(&meaning)).is_err());

        let reordered = good.replace("| `A`, `B` | any | bad |", "| `B`, `A` | any | bad |");
        let e = TABLE.check_docs(&docs(&reordered)).unwrap_err();
        assert!(e.contains("grouped or ordered differently"), "{e}");

        let dropped_row: String = good
            .lines()
            .filter(|l| !l.contains("unknown elsewhere"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = TABLE.check_docs(&docs(&dropped_row)).unwrap_err();
        assert!(e.contains("any other code (any): missing"), "{e}");

        let no_separator = good.replacen("|---|---|---|---|---|", "|---|", 1);
        let e = TABLE.check_docs(&docs(&no_separator)).unwrap_err();
        assert!(e.contains("needs `|---|---|---|---|---|`"), "{e}");

        const PIPE: CodeTable =
            CodeTable::new("code", &[Code::new("P", ErrorKind::Timeout, "a | b")]);
        let e = PIPE.check_docs(&PIPE.markdown()).unwrap_err();
        assert!(e.contains("contains `|`"), "{e}");

        let e = TABLE.check_docs("//! no table here\n").unwrap_err();
        assert!(e.contains("no table headed"), "{e}");
        let twice = format!("{good}\n{good}");
        let e = TABLE.check_docs(&docs(&twice)).unwrap_err();
        assert!(e.contains("2 tables"), "{e}");
    }
}
