use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::Value;

use crate::state::Store;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// One JSON object a line, as stored
    #[arg(long)]
    pub json: bool,
    /// Only the last N events
    #[arg(short = 'n', value_name = "N")]
    pub n: Option<usize>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let store = Store::open()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut print = |ev: Value| -> Result<()> {
        if args.json {
            writeln!(out, "{ev}")?;
        } else {
            writeln!(out, "{}", describe(&ev))?;
        }
        Ok(())
    };
    // The last N are read from the end: their cost does not grow with the log.
    match args.n {
        Some(n) => crate::events::tail(&store, n)?
            .into_iter()
            .try_for_each(&mut print)?,
        None => crate::events::for_each(&store, &mut print)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One readable line: time, event, then the other fields as `key=value`.
pub fn describe(ev: &Value) -> String {
    let ts = ev.get("ts").and_then(Value::as_str).unwrap_or("?");
    let name = ev.get("event").and_then(Value::as_str).unwrap_or("?");
    let mut line = format!("{ts}  {name}");
    if let Value::Object(map) = ev {
        for (k, v) in map {
            if k == "ts" || k == "event" {
                continue;
            }
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            line.push_str(&format!("  {k}={v}"));
        }
    }
    line
}
