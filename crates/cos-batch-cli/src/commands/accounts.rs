//! The accounts `cos-batch emulator` serves: `--account` (repeatable) and `--accounts-file`,
//! each account `UIN:APPID:SECRET_ID:SECRET_KEY`, where the key may instead be read from the
//! environment (`@env:NAME`) or a file (`@file:PATH`), so that it need not appear in the
//! process list.

use std::path::Path;

use cos_batch_emulator::Account;

use crate::failure::Failure;

/// Where a secret key comes from.
fn secret(spec: &str, what: &str) -> Result<String, Failure> {
    if let Some(name) = spec.strip_prefix("@env:") {
        return std::env::var(name).map_err(|_| {
            Failure::usage(format!(
                "{what}: the environment variable {name} is not set (or not UTF-8)"
            ))
        });
    }
    if let Some(path) = spec.strip_prefix("@file:") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("{what}: cannot read the key file {path}: {e}")))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_owned());
    }
    Ok(spec.to_owned())
}

/// One account: `UIN:APPID:SECRET_ID:KEY` with `KEY` a literal, `@env:NAME` or
/// `@file:PATH` (a literal key may hold `:`). `what` names the source in messages; the key
/// never shows in them.
pub fn parse_account(text: &str, what: &str) -> Result<Account, Failure> {
    let mut parts = text.trim().splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(uin), Some(appid), Some(id), Some(key))
            if [uin, appid, id, key].iter().all(|p| !p.is_empty()) =>
        {
            let key = secret(key, what)?;
            if key.is_empty() {
                return Err(Failure::usage(format!("{what}: the secret key is empty")));
            }
            Ok(Account::new(uin, appid, id, key))
        }
        _ => Err(Failure::usage(format!(
            "{what}: expected UIN:APPID:SECRET_ID:SECRET_KEY (or @env:NAME, @file:PATH for the \
             key), none of them empty"
        ))),
    }
}

/// The accounts of an accounts file: one account a line as [`parse_account`] reads it;
/// blank lines and lines starting with `#` are skipped.
pub fn read_accounts_file(path: &Path) -> Result<Vec<Account>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "--accounts-file: cannot read {}: {e}",
            path.display()
        ))
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            parse_account(
                l,
                &format!("--accounts-file {} line {}", path.display(), i + 1),
            )
        })
        .collect()
}

/// Every account given: the `--account` flags, then the file's; none means the demo account.
pub fn accounts(flags: &[String], file: Option<&Path>) -> Result<Vec<Account>, Failure> {
    let mut all = flags
        .iter()
        .map(|f| parse_account(f, "--account"))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(path) = file {
        all.extend(read_accounts_file(path)?);
    }
    if all.is_empty() {
        all.push(Account::demo());
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_has_four_parts() {
        let a = parse_account("1:2:id:key:with:colons", "--account").unwrap();
        assert_eq!(
            (a.uin.as_str(), a.appid.as_str(), a.secret_id.as_str()),
            ("1", "2", "id")
        );
        assert_eq!(a.secret_key(), "key:with:colons");
        assert!(parse_account("1:2:id", "--account").is_err());
        assert!(parse_account("1::id:key", "--account").is_err());
    }

    #[test]
    fn keys_come_from_a_file_and_errors_never_show_them() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "from-a-file\n").unwrap();
        let spec = format!("1:2:id:@file:{}", key.display());
        assert_eq!(
            parse_account(&spec, "--account").unwrap().secret_key(),
            "from-a-file"
        );
        let missing = format!("1:2:id:@file:{}", dir.path().join("none").display());
        assert!(parse_account(&missing, "--account").is_err());
        let unset = parse_account("1:2:id:@env:COS_BATCH_TEST_UNSET_VARIABLE", "--account")
            .unwrap_err()
            .to_string();
        assert!(unset.contains("COS_BATCH_TEST_UNSET_VARIABLE"), "{unset}");
        let bad = parse_account("1:2:top-secret", "--account")
            .unwrap_err()
            .to_string();
        assert!(!bad.contains("top-secret"), "{bad}");
    }

    #[test]
    fn an_accounts_file_lists_several() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts");
        std::fs::write(
            &file,
            "# two accounts\n100000000001:1250000000:AKIDa:key-a\n\n  \n100000000002:1250000001:AKIDb:key-b\n",
        )
        .unwrap();
        let flags = vec!["100000000003:1250000003:AKIDc:key-c".to_owned()];
        let all = accounts(&flags, Some(&file)).unwrap();
        let appids: Vec<_> = all.iter().map(|a| a.appid.as_str()).collect();
        assert_eq!(appids, ["1250000003", "1250000000", "1250000001"]);
        std::fs::write(&file, "100000000001:1250000000:AKIDa\n").unwrap();
        let err = accounts(&[], Some(&file)).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        assert_eq!(accounts(&[], None).unwrap(), [Account::demo()]);
    }
}
