//! The deployment created on moto's CloudFormation (`scripts/cfn_rehearsal.py`): every stack as
//! the SAM transform leaves it, the nested stacks given exactly what the root passes, every
//! function's tables and role there; and the static checks that stand in for what moto does
//! not check (dangling references, circular dependencies, nested stack name lengths).

use std::path::Path;
use std::process::{Command, Output};

use crate::template_file::root;

fn rehearse(template: &Path) -> Output {
    let python = std::env::var("RAMPART_TEST_PYTHON")
        .expect("RAMPART_TEST_PYTHON is not set: run the tests with scripts/test.sh");
    let endpoint = std::env::var("RAMPART_TEST_AWS_ENDPOINT")
        .expect("RAMPART_TEST_AWS_ENDPOINT is not set: run the tests with scripts/test.sh");
    Command::new(python)
        .current_dir(root())
        .arg(root().join("scripts/cfn_rehearsal.py"))
        .arg("--endpoint")
        .arg(endpoint)
        .arg(template)
        .output()
        .unwrap()
}

#[test]
fn every_stack_is_created_on_moto_with_the_parameters_the_root_passes() {
    let output = rehearse(&root().join("template.yaml"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for (id, ..) in crate::template_file::nested() {
        assert!(
            stdout.contains(&format!("-{id}: ")),
            "{id} was created: {stdout}"
        );
    }
    let functions: usize = stdout
        .lines()
        .filter(|l| !l.contains("-standby"))
        .filter_map(|l| l.split(", ").nth(1)?.strip_suffix(" functions wired"))
        .map(|n| n.parse::<usize>().unwrap())
        .sum();
    assert_eq!(
        functions,
        rampart_api::routes::routes().len() + 5,
        "every route's function and the fallback, workers and jobs"
    );
    assert!(stdout.contains("does not implement, left out:"), "{stdout}");
    // The failover standby (docs/runbooks/region-failover.md) serves from the primary's tables.
    assert!(
        stdout.contains("no data tables of its own, every function on the primary's tables"),
        "{stdout}"
    );
}

#[test]
fn a_dangling_reference_and_a_cycle_are_named_before_anything_is_created() {
    let dir = std::env::temp_dir().join(format!("rampart-rehearsal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("template.yaml"),
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  \
         A:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !GetAtt B.TopicName\n  \
         B:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !GetAtt A.TopicName\n  \
         C:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing\n",
    )
    .unwrap();
    let output = rehearse(&dir.join("template.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!output.status.success());
    assert!(
        stderr.contains("C refers to Missing, which does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("circular dependency"), "{stderr}");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("created"),
        "nothing created"
    );
}
