//! `rotate-keys`: re-seals every sealed field of the local store under the newest
//! field-encryption key (the same job the `key-rotation` Lambda function runs).
//!
//! ```text
//! cargo run -p rampart-local --bin rotate-keys -- [--new-local-key] [--max-values N]
//!                                                 [--retire-local-keys] [--aws]
//! ```
//!
//! Stop the local stack first: the file store is opened by one process at a time. With the
//! generated local keys, `--new-local-key` adds a key before the run and `--retire-local-keys`
//! drops the older ones after a complete run in which every value opened. With keys from
//! `RAMPART_SECRETS_FILE`, edit its `field_encryption_keys` instead. A run stopped early (by
//! `--max-values`, Ctrl-C or a crash) resumes where it left off. The report is printed as JSON.
//! See docs/security/key_rotation.md.

use std::sync::Arc;

use rampart_api::Adapters;
use rampart_auth::rotation::Budget;
use rampart_core::secrets::{LocalSecrets, Secrets};
use rampart_core::{SharedClock, SystemClock};
use rampart_local::{
    LocalSettings, StoreChoice, add_local_field_key, local_config, local_secrets, open_store,
    retire_local_field_keys,
};

struct Args {
    aws: bool,
    new_local_key: bool,
    retire_local_keys: bool,
    max_values: Option<u64>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        aws: false,
        new_local_key: false,
        retire_local_keys: false,
        max_values: None,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--aws" => parsed.aws = true,
            "--new-local-key" => parsed.new_local_key = true,
            "--retire-local-keys" => parsed.retire_local_keys = true,
            "--max-values" => {
                let value = args.next().ok_or("--max-values needs a number")?;
                let n: u64 = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--max-values must be a positive number, not {value:?}")
                })?;
                parsed.max_values = Some(n);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; see --help in the source"
                ));
            }
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    rampart_core::telemetry::init_json();
    let args = parse(std::env::args().skip(1))?;
    let settings = LocalSettings::from_env(args.aws)?;
    let config = local_config()?;
    let generated_keys = LocalSecrets::from_env()?
        .load()
        .await?
        .field_encryption_keys
        .is_empty();
    let local_key_dir = match (&settings.store, generated_keys) {
        (StoreChoice::Memory, _) => {
            return Err(
                "the memory store holds nothing to rotate; use RAMPART_STORE=file or aws".into(),
            );
        }
        (_, true) => Some(settings.data_dir.clone()),
        (_, false) => None,
    };
    if args.new_local_key || args.retire_local_keys {
        local_key_dir.as_ref().ok_or(
            "the field keys come from RAMPART_SECRETS_FILE: edit its field_encryption_keys \
             instead of --new-local-key / --retire-local-keys",
        )?;
    }
    if args.new_local_key
        && let Some(dir) = &local_key_dir
    {
        let kid = add_local_field_key(dir)?;
        eprintln!("added field-encryption key {kid}; restart the local stack after this run");
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let store = open_store(&settings, &config, clock.clone()).await?;
    let adapters = Adapters {
        secrets: Arc::new(local_secrets(&settings).await?),
        ..Adapters::in_memory(clock).with_store(store)
    };
    let job = rampart_api::compose::key_rotation(&config, &adapters)?;
    let budget = Budget {
        max_values: args.max_values,
        deadline_ms: None,
    };
    let report = job
        .run(budget, |r| {
            eprintln!(
                "visited {} (re-sealed {}, failed {}) at {} values/s",
                r.visited, r.resealed, r.failed, r.values_per_sec
            );
        })
        .await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    if args.retire_local_keys
        && let Some(dir) = &local_key_dir
    {
        if report.old_keys_retirable() {
            let retired = retire_local_field_keys(dir)?;
            eprintln!("retired field-encryption keys {retired:?}");
        } else {
            return Err(format!(
                "older keys kept: the pass is {} with {} value(s) that did not open \
                 (see crypto.decrypt_failed in the audit log)",
                if report.done {
                    "complete"
                } else {
                    "not complete"
                },
                report.failed
            )
            .into());
        }
    }
    Ok(())
}
