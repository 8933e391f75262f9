//! Where the real CLI keeps its files, written from what it was seen to do
//! (tests/fixtures/project-folders.tsv) and not shared with `claude-failover`: the product
//! reads these files, the simulator writes them, and a mistake made once on each side would
//! otherwise pass every test. (`sessions/<pid>.json` is named in session.rs.)

use std::io::Write;
use std::path::{Path, PathBuf};

/// `<config>/projects/<folder>/<session id>.jsonl`.
pub fn transcript_path(config_dir: &Path, cwd: &str, session_id: &str) -> PathBuf {
    let mut p = config_dir.join("projects");
    p.push(slug(cwd));
    p.push(session_id.to_string() + ".jsonl");
    p
}

/// The project folder's name: the CLI's `cwd.replace(/[^a-zA-Z0-9]/g, "-")` over UTF-16 units
/// (so a character outside the BMP gives two dashes); past 200 units, the first 200 then `-`
/// and `|javaHash(cwd)|` in base 36.
pub fn slug(cwd: &str) -> String {
    const MAX: usize = 200;
    let mut name = String::new();
    let mut hash: i32 = 0;
    for unit in cwd.encode_utf16() {
        let keep = char::from_u32(unit.into()).filter(char::is_ascii_alphanumeric);
        name.push(keep.unwrap_or('-'));
        hash = hash.wrapping_mul(31).wrapping_add(unit.into());
    }
    if name.len() > MAX {
        name.truncate(MAX);
        name.push('-');
        name.push_str(&base36(i64::from(hash).abs()));
    }
    name
}

fn base36(n: i64) -> String {
    let mut digits = Vec::new();
    let mut n = n;
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).expect("below 36"));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

/// 8-4-4-4-12 hex digits, as the CLI's `--resume` and `--session-id` want.
pub fn is_session_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(data))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_folders_are_named_as_the_real_cli_names_them() {
        let table = include_str!("../../tests/fixtures/project-folders.tsv");
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let (cwd, folder) = line.split_once('\t').expect("cwd<TAB>folder");
            assert_eq!(slug(cwd), folder, "cwd {cwd}");
            checked += 1;
        }
        assert!(checked >= 10, "{checked} rows");
    }

    #[test]
    fn transcripts_are_where_the_real_cli_keeps_them() {
        let cfg = Path::new("/tmp/e2e-exp/acct-a");
        let id = "bfa86b70-3bef-49ce-882a-3c6dcc3c875d";
        assert_eq!(
            transcript_path(cfg, "/tmp/e2e-exp/work", id),
            Path::new("/tmp/e2e-exp/acct-a/projects/-tmp-e2e-exp-work/bfa86b70-3bef-49ce-882a-3c6dcc3c875d.jsonl")
        );
    }

    #[test]
    fn session_ids_are_canonical_uuids() {
        assert!(is_session_id("bfa86b70-3bef-49ce-882a-3c6dcc3c875d"));
        assert!(!is_session_id("bfa86b70-3bef-49ce-882a-3c6dcc3c875"));
        assert!(!is_session_id("bfa86b70x3bef-49ce-882a-3c6dcc3c875d"));
        assert!(!is_session_id("$(rm -rf ~)-3bef-49ce-882a-3c6dcc3c875d"));
        assert!(!is_session_id("+fa86b70-3bef-49ce-882a-3c6dcc3c875d"));
    }
}
