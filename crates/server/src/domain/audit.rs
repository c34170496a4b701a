//! The audit trail's export for an institution's admins: CSV or JSON Lines, by date range (Korea
//! time, whole days) and optionally one USRID. From the CLI (`motp-server audit …`) or
//! `GET /v1/admin/audit` with the tenant's credentials.

use super::error::{Error, Result};
use crate::model::AuditRow;
use crate::store::Store;
use motp_protocol::kst;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
}

/// `from`..=`to` (`YYYY-MM-DD`, Korea time) as Unix seconds, inclusive.
pub fn day_range(from: &str, to: &str) -> Result<(i64, i64)> {
    let start = kst::parse_unix(&format!("{} 00:00:00", from.trim()))
        .ok_or_else(|| Error::Invalid(format!("from must be YYYY-MM-DD, got {from:?}")))?;
    let end = kst::parse_unix(&format!("{} 23:59:59", to.trim()))
        .ok_or_else(|| Error::Invalid(format!("to must be YYYY-MM-DD, got {to:?}")))?;
    if end < start {
        return Err(Error::Invalid("to is before from".into()));
    }
    Ok((start, end))
}

/// A CSV cell as a spreadsheet will not run it: one starting with `=`, `+`, `-`, `@` (or a tab or
/// carriage return, which some spreadsheets skip before reading a formula) gets a leading `'`.
/// Attestation fields and HRD's messages reach the export; opening it must not run them.
fn inert(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The rows in `format`, with times in Korea time.
pub fn render(rows: &[AuditRow], format: Format) -> Result<String> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("audit export: {e}"));
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "id",
                "at_kst",
                "tenant",
                "usrid",
                "event",
                "hrd_code",
                "eval_cd",
                "class_tme",
                "detail",
            ])
            .map_err(|e| internal(&e))?;
            for r in rows {
                let cells = [
                    r.id.to_string(),
                    kst::format_unix(r.at),
                    r.tenant.clone(),
                    r.usrid.clone(),
                    r.event.clone(),
                    r.hrd_code.clone().unwrap_or_default(),
                    r.eval_cd.clone().unwrap_or_default(),
                    r.class_tme.clone().unwrap_or_default(),
                    r.detail.clone().unwrap_or_default(),
                ];
                w.write_record(cells.map(inert)).map_err(|e| internal(&e))?;
            }
            String::from_utf8(w.into_inner().map_err(|e| internal(&e))?).map_err(|e| internal(&e))
        }
        Format::Jsonl => {
            let mut out = String::new();
            for r in rows {
                let mut line = serde_json::to_value(r).map_err(|e| internal(&e))?;
                line["at_kst"] = kst::format_unix(r.at).into();
                out.push_str(&line.to_string());
                out.push('\n');
            }
            Ok(out)
        }
    }
}

/// The export for `tenant`, as the CLI and the endpoint produce it.
pub async fn export(
    store: &Store,
    tenant: &str,
    from: &str,
    to: &str,
    usrid: Option<&str>,
    format: Format,
) -> Result<String> {
    let (start, end) = day_range(from, to)?;
    let usrid = usrid.filter(|u| !u.is_empty());
    if usrid.is_some_and(|u| !super::trainee::is_usrid(u)) {
        return Err(Error::Invalid(
            "usrid must be 1-64 letters, digits and _-.@".into(),
        ));
    }
    let rows = store.audit_range(tenant, start, end, usrid).await?;
    render(&rows, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_korea_time_and_inclusive() {
        let (start, end) = day_range("2026-11-27", "2026-11-27").unwrap();
        assert_eq!(kst::format_unix(start), "2026-11-27 00:00:00");
        assert_eq!(kst::format_unix(end), "2026-11-27 23:59:59");
        assert!(day_range("2026-11-28", "2026-11-27").is_err());
        assert!(day_range("27/11/2026", "2026-11-27").is_err());
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let rows = vec![AuditRow {
            id: 1,
            at: 1_795_773_620,
            tenant: "kosa".into(),
            usrid: "u1".into(),
            event: "identity_check".into(),
            hrd_code: Some("0000".into()),
            eval_cd: None,
            class_tme: None,
            detail: Some("provider=sandbox, \"quoted\"".into()),
        }];
        let csv = render(&rows, Format::Csv).unwrap();
        assert!(csv.starts_with("id,at_kst,tenant,usrid,event"));
        assert!(csv.contains("1,2026-11-27 19:00:20,kosa,u1,identity_check,0000,,,\"provider=sandbox, \"\"quoted\"\"\""));
        let jsonl = render(&rows, Format::Jsonl).unwrap();
        assert!(jsonl.contains("provider=sandbox"));
    }

    #[test]
    fn csv_cells_that_would_be_formulas_are_inert() {
        let row = |detail: &str| AuditRow {
            id: 1,
            at: 1_795_773_620,
            tenant: "kosa".into(),
            usrid: "u1".into(),
            event: "identity_check".into(),
            hrd_code: Some("@SUM(A1)".into()),
            eval_cd: None,
            class_tme: None,
            detail: Some(detail.into()),
        };
        for (detail, cell) in [
            (
                "=HYPERLINK(\"http://evil.example\")",
                "\"'=HYPERLINK(\"\"http://evil.example\"\")\"",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@A1", "'@A1"),
            ("\t=1", "'\t=1"),
            ("provider=sandbox", "provider=sandbox"),
        ] {
            let csv = render(&[row(detail)], Format::Csv).unwrap();
            let line = csv.lines().nth(1).unwrap();
            assert!(line.ends_with(&format!(",{cell}")), "{detail}: {line}");
            assert!(line.contains(",'@SUM(A1),"), "{line}");
        }
        // JSON Lines keep the values as they are: a program reads them, not a spreadsheet.
        let jsonl = render(&[row("=1")], Format::Jsonl).unwrap();
        assert!(jsonl.contains("\"detail\":\"=1\""));
        assert_eq!(jsonl.lines().count(), 1);
        assert!(jsonl.contains("\"at_kst\":\"2026-11-27 19:00:20\""));
    }
}
